-- A practice's register size and its people in the top tiers (the GP's home page) counted from the index
-- alone: stratification vacuums risk_person after rewriting it, so the index needs no visit to the table.
-- Replaces risk_person_practice_idx, whose key it leads with.
CREATE INDEX risk_person_practice_tier_idx ON risk_person (practice_code, risk_tier);
DROP INDEX risk_person_practice_idx;
