// Pseudonymised rows are generalised, then withheld, until every row released has at least k - 1 others with
// the same quasi-identifiers (k = 5 by default).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_K,
  kAnonymise,
  MAX_SUPPRESSED_SHARE,
  measureKAnonymity,
  type QuasiIdentifiers,
} from "../../src/governance/k-anonymity.ts";

/** A small synthetic place's rows, deterministic: a few practices, areas and districts, ages 0-99. */
function place(n: number): (QuasiIdentifiers & { pseudonym: string })[] {
  let seed = 42;
  const next = (m: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % m;
  };
  return Array.from({ length: n }, (_, i) => {
    const practice = next(8);
    const age = next(100);
    const low = Math.min(90, Math.floor(age / 5) * 5);
    return {
      pseudonym: `p${i}`,
      ageBand: low >= 90 ? "90+" : `${low}-${low + 4}`,
      sex: next(2) === 0 ? "female" : "male",
      practiceCode: `Z9000${practice}`,
      localityCode: `ZZL0${practice % 4}`,
      areaCode: `E0100${next(60)}`,
      postcodeDistrict: `RM1${next(8)}`,
      imdDecile: 1 + next(10),
    };
  });
}

describe("k-anonymity of pseudonymised rows", () => {
  test("on a small synthetic place many rows start unique; after, every row has at least 4 look-alikes", () => {
    const rows = place(2_000);
    const result = kAnonymise(rows);
    assert.equal(result.k, DEFAULT_K);
    assert.ok(result.before.uniqueShare > 0.2, `before: ${result.before.uniqueShare}`);
    assert.equal(result.after.uniqueRows, 0);
    assert.equal(result.after.belowK, 0);
    assert.ok(result.after.smallestGroup >= 5);
    assert.ok(result.withheld <= rows.length * MAX_SUPPRESSED_SHARE);
    assert.ok(result.level > 0);
    // Pseudonyms are kept; what changed is only the quasi-identifiers.
    assert.ok(result.rows.every((r) => r.pseudonym.startsWith("p")));
  });

  test("rows already k-anonymous are released as recorded", () => {
    const same = Array.from({ length: 6 }, (_, i) => ({
      pseudonym: `q${i}`,
      ageBand: "70-74",
      sex: "female",
      practiceCode: "Z90001",
      localityCode: "ZZL01",
      areaCode: "E01000001",
      postcodeDistrict: "RM17",
      imdDecile: 3,
    }));
    const result = kAnonymise(same);
    assert.equal(result.level, 0);
    assert.deepEqual(result.rows, same);
  });

  test("too few rows to hide anyone: nothing is released", () => {
    const result = kAnonymise(place(3));
    assert.deepEqual(result.rows, []);
    assert.equal(result.withheld, 3);
  });

  test("the measure counts unique rows and rows in groups smaller than k", () => {
    const rows = place(2).concat(place(2));
    const m = measureKAnonymity(rows);
    assert.deepEqual(m, { rows: 4, uniqueRows: 0, uniqueShare: 0, belowK: 4, smallestGroup: 2 });
  });
});
