-- Break-glass reasons and reviews are sealed into the audit hash chain from here on (break-glass-seal.ts):
-- `oneplace audit verify` recomputes each seal and names a rewritten reason or review. Rows recorded before this
-- migration have no seal. As a second line, the table refuses what the application never does: changing what
-- was recorded when glass was broken, changing or removing a review once made, and deleting a row. (Someone
-- able to drop the trigger can still edit rows; the seals are what detect it.)
CREATE FUNCTION break_glass_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'break_glass rows are kept: DELETE is not allowed';
  END IF;
  IF NEW.break_glass_id IS DISTINCT FROM OLD.break_glass_id OR NEW.person_id IS DISTINCT FROM OLD.person_id
     OR NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.role_code IS DISTINCT FROM OLD.role_code
     OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.reason IS DISTINCT FROM OLD.reason
     OR NEW.started_at IS DISTINCT FROM OLD.started_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
    RAISE EXCEPTION 'a break-glass record cannot be changed once made (only its review is added)';
  END IF;
  IF OLD.reviewed_at IS NOT NULL AND (NEW.reviewed_at IS DISTINCT FROM OLD.reviewed_at
     OR NEW.reviewed_by IS DISTINCT FROM OLD.reviewed_by OR NEW.review_note IS DISTINCT FROM OLD.review_note
     OR NEW.review_outcome IS DISTINCT FROM OLD.review_outcome) THEN
    RAISE EXCEPTION 'a break-glass review cannot be changed once made';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER break_glass_guard BEFORE UPDATE OR DELETE ON break_glass
  FOR EACH ROW EXECUTE FUNCTION break_glass_guard();
