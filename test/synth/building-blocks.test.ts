import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidSnomedId } from "../../src/core/codes.ts";
import { uuidFromRandom } from "../../src/core/ids.ts";
import { isSyntheticNhsNumber, isTestRangeNhsNumber, isValidNhsNumber } from "../../src/core/nhs-number.ts";
import { isSyntheticOrgCode } from "../../src/core/org-codes.ts";
import { createRng } from "../../src/core/rng.ts";
import { conditionCatalogue, LTC_CODES, LTC_IDS } from "../../src/synth/conditions.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../src/synth/config.ts";
import { createContext } from "../../src/synth/context.ts";
import { loadEfiCodeLists } from "../../src/synth/efi-codes.ts";
import { randomUuid } from "../../src/synth/fast-uuid.ts";
import { simulatePerson } from "../../src/synth/generate.ts";
import { emergencyAdmissionRate, type RiskState } from "../../src/synth/hazards.ts";
import { startJointPlan } from "../../src/synth/life-social-care.ts";
import { LifeSimulation } from "../../src/synth/life-state.ts";
import { FORMULARY } from "../../src/synth/medicines.ts";
import { misspell, nameVariant } from "../../src/synth/names.ts";
import {
  OVERFLOW_CAPACITY,
  shuffledTestNhsNumbers,
  TEST_RANGE_CAPACITY,
} from "../../src/synth/nhs-numbers.ts";
import { cumulativeHazardTable, MAX_AGE, onsetAge } from "../../src/synth/onset.ts";
import { buildPlace } from "../../src/synth/place.ts";

/** Real postcodes never use C, I, K, M, O or V in the unit letters, so these can be no one's address. */
const SYNTHETIC_POSTCODE = /^(RM1[5-9]|RM20|SS17) \d[CIKMOV][ABDEFGHJLNPQRSTUWXYZ]$/;

test("the eFI code list is read from the repository: 35 coded deficits, codes kept as strings", () => {
  const lists = loadEfiCodeLists();
  assert.equal(lists.deficitIds.length, 35);
  let rows = 0;
  for (const entries of lists.codesByDeficit.values()) rows += entries.length;
  assert.equal(rows, 2089);
  assert.equal(lists.deficitsByCode.size, 2040);
  assert.deepEqual(lists.deficitsByCode.get("52448006"), ["memory-and-cognitive-problems"]);
  assert.ok(!lists.codesByDeficit.has("polypharmacy"));
});

test("every condition code belongs to exactly its own eFI deficit, and the LTC lists cover the ten conditions", () => {
  const lists = loadEfiCodeLists();
  for (const spec of conditionCatalogue()) {
    assert.ok(spec.codes.length > 0, spec.id);
    for (const code of spec.codes) {
      assert.deepEqual(lists.deficitsByCode.get(code), [spec.deficitId], `${spec.id} ${code}`);
      assert.ok(isValidSnomedId(code), code);
    }
  }
  assert.equal(Object.keys(LTC_CODES).length, LTC_IDS.length);
  assert.equal(LTC_CODES.dementia.codes[0], "52448006");
  assert.equal(LTC_CODES.stroke.codes[0], "230690007");
  const formularyCodes = [...FORMULARY.keys()];
  assert.ok(formularyCodes.length >= 40);
  assert.ok(formularyCodes.every((c) => /^[a-z0-9.-]+$/.test(c)));
});

test("the place has 4 localities, 34 practices, synthetic codes and postcodes that cannot be real", () => {
  const place = buildPlace(DEFAULT_SYNTH_CONFIG, createRng("thurrock").fork("place"));
  assert.deepEqual(
    place.localities.map((l) => l.name),
    ["Grays", "Tilbury & Chadwell", "Purfleet, Aveley & South Ockendon", "Corringham & Stanford-le-Hope"],
  );
  assert.equal(place.practices.length, 34);
  const listTotal = place.practices.reduce((s, p) => s + p.listShare, 0);
  assert.ok(Math.abs(listTotal - 1) < 1e-9);
  const sizes = place.practices.map((p) => p.listShare * DEFAULT_SYNTH_CONFIG.people).sort((a, b) => a - b);
  assert.ok(sizes[0] >= 1900 && sizes[33] <= 15_500, `list sizes ${sizes[0]}..${sizes[33]}`);
  assert.ok(place.careHomes.length >= 25 && place.careHomes.length <= 35);
  assert.ok(
    place.careHomes.some((h) => h.careType === "nursing") &&
      place.careHomes.some((h) => h.careType === "residential"),
  );
  const orgs = [
    place.ccg,
    place.council,
    place.acute,
    place.community,
    place.mentalHealth,
    place.ambulance,
    ...place.careHomes,
  ];
  for (const o of [...orgs, ...place.localities]) assert.ok(isSyntheticOrgCode(o.code), o.code);
  for (const o of [...orgs, ...place.practices]) assert.match(o.postcode, SYNTHETIC_POSTCODE);
  for (const o of [...orgs, ...place.practices]) assert.match(o.name, /\(synthetic\)$/);
  for (const a of place.areas) for (const pc of a.postcodes) assert.match(pc, SYNTHETIC_POSTCODE);
  // The weighted share of people in deciles 1-2 is the plan's 12.4% (the localities' own shares, combined).
  let deprived = 0;
  for (const [i, areas] of place.areasByLocality.entries()) {
    const localityShare = place.practices
      .filter((p) => p.localityIndex === i)
      .reduce((s, p) => s + p.listShare, 0);
    const total = areas.reduce((s, a) => s + a.weight, 0);
    deprived +=
      (localityShare * areas.filter((a) => a.imdDecile <= 2).reduce((s, a) => s + a.weight, 0)) / total;
  }
  assert.ok(Math.abs(deprived - 0.124) < 0.003, `deprived share ${deprived}`);
});

test("NHS Numbers are dealt from the shuffled test range, then the second synthetic scheme: valid, unique, none once both run out", () => {
  const deck = shuffledTestNhsNumbers(createRng("deck"));
  const seen = new Set<string>();
  for (let i = 0; i < 50_000; i++) {
    const n = deck.forPerson(i) as string;
    assert.ok(isTestRangeNhsNumber(n), n);
    seen.add(n);
  }
  assert.equal(seen.size, 50_000);
  assert.ok(isTestRangeNhsNumber(deck.forPerson(TEST_RANGE_CAPACITY - 1) as string));
  // Beyond the test range's 909,090 numbers: the 00 scheme, which no UK scheme issues.
  const overflow = new Set<string>();
  for (let i = TEST_RANGE_CAPACITY; i < TEST_RANGE_CAPACITY + 50_000; i++) {
    const n = deck.forPerson(i) as string;
    assert.match(n, /^00\d{8}$/);
    assert.ok(isValidNhsNumber(n) && isSyntheticNhsNumber(n) && !isTestRangeNhsNumber(n), n);
    overflow.add(n);
  }
  assert.equal(overflow.size, 50_000);
  const last = deck.forPerson(TEST_RANGE_CAPACITY + OVERFLOW_CAPACITY - 1) as string;
  assert.ok(isSyntheticNhsNumber(last) && last !== "0000000000", last);
  assert.equal(deck.forPerson(TEST_RANGE_CAPACITY + OVERFLOW_CAPACITY), null);
  const again = shuffledTestNhsNumbers(createRng("deck"));
  assert.equal(again.forPerson(123), deck.forPerson(123));
  assert.equal(again.forPerson(TEST_RANGE_CAPACITY + 7), deck.forPerson(TEST_RANGE_CAPACITY + 7));
});

test("names vary the way real records do", () => {
  const rng = createRng("names");
  for (const name of ["Thompson", "Margaret", "Li", "Okonkwo"]) assert.notEqual(misspell(name, rng), name);
  const variants = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const v = nameVariant({ given: "William", family: "Clarke" }, rng);
    variants.add(`${v.given} ${v.family}`);
  }
  assert.ok(variants.has("Bill Clarke") || variants.has("Billy Clarke") || variants.has("Will Clarke"));
  assert.ok(variants.has("Clarke William"));
  assert.ok(!variants.has("William Clarke"));
});

test("onset sampling inverts the cumulative hazard: never before the first knot, later for lower risk", () => {
  const table = cumulativeHazardTable([
    [40, 0],
    [60, 0.2],
    [80, 0.5],
  ]);
  for (let a = 1; a <= MAX_AGE; a++) assert.ok(table[a] >= table[a - 1]);
  assert.equal(table[30], 0);
  assert.ok(Math.abs(table[60] + Math.log(0.8)) < 1e-12);
  const draw = -Math.log(1 - 0.2); // the draw that lands exactly on 60 for an average person
  assert.ok(Math.abs(onsetAge(table, 1, draw) - 60) < 1e-9);
  assert.ok(onsetAge(table, 0.5, draw) > 60);
  assert.equal(onsetAge(table, 1, 1e9), Number.POSITIVE_INFINITY);
});

test("admission rates rise with age, frailty and prior-use propensity", () => {
  const base: RiskState = {
    age: 50,
    female: true,
    deficits: 0,
    ltcs: 0,
    frailty: 0,
    admissionPropensity: 0,
    deprivation: 0,
    inCareHome: false,
    dementia: false,
    falls: false,
  };
  const rate = (change: Partial<RiskState>) => emergencyAdmissionRate({ ...base, ...change });
  assert.ok(rate({ age: 85 }) > 2 * rate({}));
  assert.ok(rate({ deficits: 10 }) > 2.5 * rate({}));
  assert.ok(rate({ frailty: 1, admissionPropensity: 0.5 }) > 2 * rate({}));
  assert.ok(rate({ deprivation: 1 }) > rate({ deprivation: -1 }));
});

test("fast UUIDs are the same ids core's uuidFromRandom makes from the same draws", () => {
  const a = createRng("ids");
  const b = createRng("ids");
  for (let i = 0; i < 1000; i++)
    assert.equal(
      randomUuid(a),
      uuidFromRandom(() => b.nextUint32()),
    );
});

test("a person's life depends only on the seed and their index", () => {
  const ctx = createContext({ ...DEFAULT_SYNTH_CONFIG, people: 1000 });
  const again = createContext({ ...DEFAULT_SYNTH_CONFIG, people: 1000 });
  for (const index of [0, 17, 999, 1100]) {
    assert.deepEqual(simulatePerson(again, index), simulatePerson(ctx, index));
  }
  assert.notDeepEqual(simulatePerson(ctx, 1).base, simulatePerson(ctx, 2).base);
});

test("a joint plan decided for a later day, when the person dies first, never started: no plan ends before it starts", () => {
  const ctx = createContext({ ...DEFAULT_SYNTH_CONFIG, people: 1000 });
  const { base } = simulatePerson(ctx, 3);
  const sim = new LifeSimulation(ctx, base, createRng(7));
  const admitted = ctx.historyEnd - 200;
  // As for a stroke admission: the plan is made at admission for a day before the planned discharge.
  startJointPlan(sim, admitted + 40);
  sim.life.carePlans.push({
    type: "crisis",
    start: admitted,
    reviewDue: admitted + 90,
    end: null,
    role: "care-coordinator",
    leadOrgCode: ctx.place.mentalHealth.code,
  });
  sim.leave(admitted + 10, "died");
  assert.deepEqual(
    sim.life.carePlans.map((p) => [p.type, p.start, p.end]),
    [["crisis", admitted, admitted + 10]],
  );
  assert.equal(sim.jointPlan, null);
});
