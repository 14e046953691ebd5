-- An MDT action's owner is a OnePlace user (checked: an active user of a team with a relationship to the
-- person) or, explicitly, a typed name outside OnePlace (owner_user_id NULL, owner_external true). A user's
-- open actions are on their worklist, found by this index.
ALTER TABLE mdt_action
  ADD COLUMN owner_user_id uuid,            -- app_user: the owner, when they have an account
  ADD COLUMN owner_external boolean NOT NULL DEFAULT false,
  ADD CHECK (owner_user_id IS NULL OR NOT owner_external);
CREATE INDEX mdt_action_owner_open_idx ON mdt_action (owner_user_id) WHERE status = 'open' AND owner_user_id IS NOT NULL;
-- Actions recorded before owners were checked carry a typed name only.
UPDATE mdt_action SET owner_external = true WHERE owner_user_id IS NULL;
