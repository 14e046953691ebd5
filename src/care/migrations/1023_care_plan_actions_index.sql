-- A user's worklist finds the current plans holding an open action they own by containment on the plan's
-- actions (worklist.ts), so it reads a handful of plans rather than every current plan's content.
CREATE INDEX care_plan_version_actions_idx ON care_plan_version USING gin ((content -> 'actions') jsonb_path_ops)
  WHERE latest AND status <> 'ended';
