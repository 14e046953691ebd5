// Saved cohorts refer to saved cohorts, and each is inlined where it is named: cycles, too deep a nesting and
// an expansion that doubles at each level are refused with a clear error, when saved and when run.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileCohort,
  countCohort,
  MAX_COHORT_DEPTH,
  MAX_COHORT_REFERENCES,
  saveCohort,
  savedCriteria,
} from "../../src/risk/cohort.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { useTestDb } from "../helpers/test-db.ts";

const t = useTestDb();

describe("nested saved cohorts", () => {
  test("a cohort naming the one below it twice, level on level, is refused once its expansion passes the cap", async () => {
    await saveCohort(t.db, "double-0", { age: { min: 50 } });
    let level = 1;
    let refused: unknown = null;
    const started = Date.now();
    for (; level <= 12; level++) {
      const below = `double-${level - 1}`;
      try {
        await saveCohort(t.db, `double-${level}`, { inCohorts: [below, below] });
      } catch (error) {
        refused = error;
        break;
      }
    }
    // Level k expands to 2 + 4 + ... + 2^k references: 62 at level 5, 126 at level 6.
    assert.equal(level, 6, "the first level past the cap is refused");
    assert.ok(MAX_COHORT_REFERENCES >= 62 && MAX_COHORT_REFERENCES < 126);
    onePlaceError(
      "invalid",
      "risk.cohort-too-large",
      /more than 64 times once each is expanded .*refer to each one once/,
    )(refused);
    assert.ok(Date.now() - started < 30_000, "refused quickly, not after expanding");
    // What was saved still compiles and runs, each saved cohort read once.
    const below = await compileCohort(t.db, await savedCriteria(t.db, "double-5"), "double-5");
    assert.ok(below.where.length < 20_000);
    assert.equal((await countCohort(t.db, { inCohorts: ["double-5"] })).total, 0);
  });

  test("nesting deeper than the limit is refused, naming the chain", async () => {
    await saveCohort(t.db, "deep-0", { age: { min: 18 } });
    let refused: unknown = null;
    for (let level = 1; level <= MAX_COHORT_DEPTH + 1 && !refused; level++)
      await saveCohort(t.db, `deep-${level}`, { inCohorts: [`deep-${level - 1}`] }).catch((error) => {
        refused = error;
      });
    onePlaceError(
      "invalid",
      "risk.cohort-too-nested",
      /more than 8 deep \(deep-8 -> deep-7 -> .* -> deep-0\)/,
    )(refused);
  });

  test("a cycle is refused when saved, and a cycle already in the table is refused when run, not followed", async () => {
    await saveCohort(t.db, "ring-a", { age: { min: 60 } });
    await saveCohort(t.db, "ring-b", { inCohorts: ["ring-a"] });
    await assert.rejects(
      saveCohort(t.db, "ring-a", { notInCohorts: ["ring-b"] }),
      onePlaceError(
        "invalid",
        "risk.cohort-cycle",
        /"ring-a" refers to itself through ring-a -> ring-b -> ring-a/,
      ),
    );
    // A cycle written round the checks (an old row, a hand edit) stops at the first repeat.
    await t.db.query(
      `UPDATE risk_cohort SET definition = '{"inCohorts":["ring-b"]}'::jsonb WHERE cohort_id = 'ring-a'`,
    );
    await assert.rejects(
      countCohort(t.db, { inCohorts: ["ring-a"] }),
      onePlaceError("invalid", "risk.cohort-cycle", /ring-a -> ring-b -> ring-a/),
    );
  });

  test("changing a cohort so that one referring to it would expand past the cap is refused, naming that one", async () => {
    await saveCohort(t.db, "leaf", { age: { min: 40 } });
    await saveCohort(t.db, "wide-1", { inCohorts: ["leaf", "leaf"] });
    await saveCohort(t.db, "wide-2", { inCohorts: ["wide-1", "wide-1"] });
    await saveCohort(t.db, "wide-3", { inCohorts: ["wide-2", "wide-2"] });
    await saveCohort(t.db, "wide-4", { inCohorts: ["wide-3", "wide-3"] });
    await saveCohort(t.db, "fan", { inCohorts: ["wide-4", "wide-4"] });
    await saveCohort(t.db, "uses-leaf", { inCohorts: ["leaf"], description: "refers to leaf" });
    await assert.rejects(
      saveCohort(t.db, "leaf", { inCohorts: ["fan"] }),
      onePlaceError("invalid", "risk.cohort-cycle"),
    );
    await saveCohort(t.db, "other", { age: { max: 30 } });
    await assert.rejects(
      saveCohort(t.db, "leaf", { inCohorts: ["other", "other"] }),
      onePlaceError("invalid", "risk.cohort-too-large", /^Saving "leaf" so would break saved cohort "fan"/),
    );
    assert.deepEqual(await savedCriteria(t.db, "leaf"), { age: { min: 40 } }, "left as it was");
  });
});
