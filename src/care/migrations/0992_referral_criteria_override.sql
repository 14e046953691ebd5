-- A referral to a service whose access criteria the person does not meet (age, eFI category, risk tier,
-- locality, as the directory says) is warned about and goes ahead only with a stated reason: what was not met,
-- in words, and why the referrer went ahead are kept on the referral.
ALTER TABLE referral
  ADD COLUMN criteria_not_met text[] NOT NULL DEFAULT '{}',
  ADD COLUMN criteria_reason text,
  ADD CHECK (cardinality(criteria_not_met) = 0 OR criteria_reason IS NOT NULL);
