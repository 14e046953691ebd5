-- The stays on the acute stroke unit, answered from a small index: the local BCF metric (stroke discharges
-- with a joint plan, src/outcomes/measures/bcf.ts) asks of every discharge whether the spell had one, and
-- without this read every ward stay of the history twice a run to find the few on the stroke unit.
CREATE INDEX ward_stay_stroke_unit_idx ON ward_stay (person_id, spell_id) WHERE ward_kind = 'stroke-unit';
