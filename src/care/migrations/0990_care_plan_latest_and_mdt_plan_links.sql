-- Each plan's newest version is marked "latest", so the worklist and the current-plan checks read one row a
-- plan rather than every version (kept up to date by the plan store as it adds a version). An MDT agenda item
-- links the plan version its outcome produced: the plan started or reviewed, and the version into which the
-- lead professional assigned or confirmed at the meeting was written.
ALTER TABLE care_plan_version ADD COLUMN latest boolean NOT NULL DEFAULT true;
UPDATE care_plan_version v SET latest = false
 WHERE EXISTS (SELECT 1 FROM care_plan_version n
                WHERE n.person_id = v.person_id AND n.plan_id = v.plan_id AND n.version > v.version);
CREATE INDEX care_plan_version_current_idx ON care_plan_version (person_id, plan_id)
  WHERE latest AND status <> 'ended';

ALTER TABLE mdt_agenda_item
  ADD COLUMN plan_version integer,          -- the plan's version the outcome links to
  ADD COLUMN lead_plan_id uuid,             -- the plan the lead professional was written into
  ADD COLUMN lead_plan_version integer,
  ADD CHECK (plan_version IS NULL OR plan_id IS NOT NULL),
  ADD CHECK ((lead_plan_id IS NULL) = (lead_plan_version IS NULL));
