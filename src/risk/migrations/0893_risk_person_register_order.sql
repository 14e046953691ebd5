-- A register's default order (highest tier first, then the highest score) as an index, per practice and per
-- locality: a page walks it and reads only the people it shows (and the few withheld before them), rather
-- than sorting the whole register. The key repeats register-view.ts's TIER_RANK and order exactly, or the
-- planner cannot use it.
CREATE INDEX risk_person_practice_order_idx ON risk_person (
  practice_code,
  (CASE risk_tier WHEN 'very-high' THEN 4 WHEN 'high' THEN 3 WHEN 'rising' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) DESC NULLS LAST,
  probability DESC NULLS LAST,
  person_id
);
CREATE INDEX risk_person_locality_order_idx ON risk_person (
  locality_code,
  (CASE risk_tier WHEN 'very-high' THEN 4 WHEN 'high' THEN 3 WHEN 'rising' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) DESC NULLS LAST,
  probability DESC NULLS LAST,
  person_id
);
-- Its leading column serves every locality look-up.
DROP INDEX risk_person_locality_idx;
