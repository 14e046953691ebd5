import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AccessDenied } from "../../src/governance/access.ts";
import { pseudonymKeysFromEnv } from "../../src/governance/pseudonym-keys.ts";
import { ageBand, keyedHash, postcodeDistrict, pseudonymFor } from "../../src/governance/pseudonymise.ts";
import { countCohort, queryPseudonymisedPeople } from "../../src/governance/pseudonymised-queries.ts";
import { suppressSmallCounts, suppressTotal } from "../../src/governance/suppression.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  contextFor,
  insertRegistered,
  makePerson,
  ORGS,
  recordObjectionRow,
  recordOptOutRow,
  seedUsers,
} from "./fixtures.ts";

const KEY = "a".repeat(64);
const keys = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: KEY });

describe("keys", () => {
  test("come from the environment or a key file, one per purpose", () => {
    const dir = mkdtempSync(join(tmpdir(), "op-keys-"));
    const file = join(dir, "keys");
    writeFileSync(
      file,
      `# pseudonymisation keys\ncommissioning=${"b".repeat(64)}\nresearch=${Buffer.alloc(32, 7).toString("base64")}\n`,
      { mode: 0o600 },
    );
    const fromFile = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_FILE: file });
    assert.equal(fromFile.keyFor("commissioning").toString("hex"), "b".repeat(64));
    assert.equal(fromFile.keyFor("research").length, 32);
    const both = pseudonymKeysFromEnv({
      ONEPLACE_PSEUDONYM_KEY_FILE: file,
      ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: KEY,
    });
    assert.equal(both.keyFor("commissioning").toString("hex"), KEY, "the environment wins");
    chmodSync(file, 0o644);
    assert.throws(
      () => pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_FILE: file }).keyFor("commissioning"),
      /can be read by other users/,
    );
  });

  test("a missing or short key fails clearly", () => {
    assert.throws(
      () => pseudonymKeysFromEnv({}).keyFor("commissioning"),
      /no pseudonymisation key for the purpose "commissioning"/,
    );
    try {
      pseudonymKeysFromEnv({}).keyFor("commissioning");
    } catch (error) {
      assert.match((error as { hint: string }).hint, /ONEPLACE_PSEUDONYM_KEY_COMMISSIONING/);
    }
    assert.throws(
      () => pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: "abcd" }).keyFor("commissioning"),
      /too short/,
    );
  });
});

describe("transformations", () => {
  test("the keyed hash is stable for a key and differs between keys (purposes)", () => {
    const id = "5f1d1c3e-8d0a-4f4e-9c1b-2a3b4c5d6e7f";
    const a = pseudonymFor(Buffer.from(KEY, "hex"), id);
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.equal(pseudonymFor(Buffer.from(KEY, "hex"), id.toUpperCase()), a);
    assert.notEqual(pseudonymFor(Buffer.from("b".repeat(64), "hex"), id), a);
    assert.notEqual(pseudonymFor(Buffer.from(KEY, "hex"), "5f1d1c3e-8d0a-4f4e-9c1b-2a3b4c5d6e70"), a);
  });

  test("dates of birth become five-year age bands on the day", () => {
    assert.equal(ageBand("2016-03-01", "2016-03-31"), "0-4");
    assert.equal(ageBand("1940-04-01", "2016-03-31"), "75-79");
    assert.equal(ageBand("1940-03-31", "2016-03-31"), "75-79");
    assert.equal(ageBand("1936-04-01", "2016-03-31"), "75-79");
    assert.equal(ageBand("1936-03-31", "2016-03-31"), "80-84");
    assert.equal(ageBand("1926-03-31", "2016-03-31"), "90+");
  });

  test("postcodes become their district", () => {
    assert.equal(postcodeDistrict("RM17 6ZZ"), "RM17");
    assert.equal(postcodeDistrict("rm176zz"), "RM17");
    assert.equal(postcodeDistrict("SW1A 1AA"), "SW1A");
    assert.equal(postcodeDistrict("not a postcode"), null);
    assert.equal(postcodeDistrict(null), null);
  });

  test("small numbers are suppressed, with a second cell when one alone would be given away by the total", () => {
    const shown = suppressSmallCounts([
      { key: "a", count: 10 },
      { key: "b", count: 3 },
      { key: "c", count: 20 },
      { key: "d", count: 0 },
    ]);
    assert.deepEqual(
      shown.map((c) => c.count),
      [null, null, 20, 0],
    );
    const two = suppressSmallCounts([
      { key: "a", count: 1 },
      { key: "b", count: 4 },
      { key: "c", count: 5 },
    ]);
    assert.deepEqual(
      two.map((c) => c.count),
      [null, null, 5],
    );
    assert.deepEqual(
      suppressSmallCounts([{ key: "x", count: 2 }]).map((c) => c.suppressed),
      [true],
    );
    assert.equal(suppressTotal(4), null);
    assert.equal(suppressTotal(5), 5);
    assert.equal(suppressTotal(0), 0);
  });
});

describe("commissioner queries", () => {
  let t: TestDb;
  const plain = Array.from({ length: 7 }, (_, i) =>
    makePerson({ familyName: `Plainperson${i}`, birthDate: `194${i}-05-0${i + 1}`, postcode: `RM1${i} 4QX` }),
  );
  const optedOut = makePerson({ familyName: "Optoutperson" });
  const objecting = makePerson({ familyName: "Objectorperson" });

  before(async () => {
    t = await openTestDb();
    await seedUsers(t.db, [
      ["analyst", "commissioner-analyst", "commissioning"],
      ["finance", "finance-programme-lead", "commissioning"],
      ["gp", "gp", "practice"],
    ]);
    await insertRegistered(t.db, [...plain, optedOut, objecting]);
    await recordOptOutRow(t.db, optedOut.personId);
    await recordObjectionRow(t.db, objecting.personId, ORGS.practice);
  });
  after(() => t.dispose());

  test("rows carry no identifiers and leave out opt-outs and objections", async () => {
    const ctx = await contextFor(t.db, "analyst", "commissioner-analyst", "commissioning", "commissioning");
    const rows = await queryPseudonymisedPeople(ctx, {}, keys);
    assert.equal(rows.length, plain.length);
    const key = keys.keyFor("commissioning");
    assert.deepEqual(
      new Set(rows.map((r) => r.pseudonym)),
      new Set(plain.map((p) => pseudonymFor(key, p.personId))),
    );
    assert.deepEqual(Object.keys(rows[0]).sort(), [
      "ageBand",
      "areaCode",
      "imdDecile",
      "localityCode",
      "postcodeDistrict",
      "practiceCode",
      "pseudonym",
      "sex",
    ]);
    const text = JSON.stringify(rows);
    for (const p of [...plain, optedOut, objecting]) {
      for (const id of [p.personId, p.nhsNumber, p.familyName, p.birthDate, p.postcode])
        assert.ok(!text.includes(id), id);
    }
    const audit = await t.db.query<{ disclosure: string; person_count: number; action: string }>(
      "SELECT disclosure, person_count, action FROM audit_event ORDER BY seq DESC LIMIT 1",
    );
    assert.deepEqual(audit[0], { disclosure: "pseudonymised", person_count: plain.length, action: "search" });
  });

  test("filters narrow the cohort", async () => {
    const ctx = await contextFor(t.db, "analyst", "commissioner-analyst", "commissioning", "commissioning");
    const old = await queryPseudonymisedPeople(
      ctx,
      {
        maxAge: 120,
        minAge: 0,
        sex: "female",
        practiceCode: ORGS.practice,
        localityCode: ORGS.locality,
        limit: 3,
      },
      keys,
      "search",
      { k: 1 }, // the filters are what is tested here, not k-anonymity (k-anonymity.test.ts)
    );
    assert.equal(old.length, 3);
    assert.deepEqual(await queryPseudonymisedPeople(ctx, { practiceCode: ORGS.otherPractice }, keys), []);
  });

  test("a whole-place extract is an export with no limit, for a pseudonymised role only; refusals audited", async () => {
    const analyst = await contextFor(
      t.db,
      "analyst",
      "commissioner-analyst",
      "commissioning",
      "commissioning",
    );
    for (const [query, mode] of [
      [{}, "search"],
      [{}, "list"],
      [{ limit: 2 }, "export"],
    ] as const) {
      await assert.rejects(
        queryPseudonymisedPeople(analyst, query, keys, mode, { wholePlace: true }),
        /a whole-place pseudonymised extract is an export, with no row limit/,
      );
      const [audit] = await t.db.query<{ allowed: boolean }>(
        "SELECT allowed FROM audit_event ORDER BY seq DESC LIMIT 1",
      );
      assert.equal(audit.allowed, false);
    }
    const gp = await contextFor(t.db, "gp", "gp", "practice", "direct-care");
    await assert.rejects(
      queryPseudonymisedPeople(gp, {}, keys, "export", { wholePlace: true }),
      AccessDenied,
    );
    const rows = await queryPseudonymisedPeople(analyst, {}, keys, "export", { wholePlace: true });
    assert.equal(rows.length, plain.length, "opt-outs and objections are left out of the whole place too");
    const [audit] = await t.db.query<{ reason: string; person_count: number }>(
      "SELECT reason, person_count FROM audit_event ORDER BY seq DESC LIMIT 1",
    );
    assert.deepEqual(audit, {
      reason: "pseudonymised for commissioning, the whole place",
      person_count: plain.length,
    });
  });

  test("the keyed hash is HMAC-SHA256 under the purpose's key, for keys and texts of any length", () => {
    for (const length of [16, 32, 64, 65, 100]) {
      const key = randomBytes(length);
      for (const text of ["", "person:abc", "é€😀".repeat(40), "x".repeat(5000)])
        assert.equal(keyedHash(key, text), createHmac("sha256", key).update(text).digest("hex"));
    }
  });

  test("a direct-care role cannot run a pseudonymised query; the refusal is audited", async () => {
    const ctx = await contextFor(t.db, "gp", "gp", "practice", "direct-care");
    await assert.rejects(queryPseudonymisedPeople(ctx, {}, keys), AccessDenied);
    const audit = await t.db.query<{ allowed: boolean }>(
      "SELECT allowed FROM audit_event ORDER BY seq DESC LIMIT 1",
    );
    assert.equal(audit[0].allowed, false);
  });

  test("without its key the query fails before reading anything", async () => {
    const ctx = await contextFor(t.db, "analyst", "commissioner-analyst", "commissioning", "commissioning");
    await assert.rejects(
      queryPseudonymisedPeople(ctx, {}, pseudonymKeysFromEnv({})),
      /no pseudonymisation key/,
    );
  });

  test("counts for finance suppress small numbers and leave out opt-outs", async () => {
    const ctx = await contextFor(t.db, "finance", "finance-programme-lead", "commissioning", "commissioning");
    const all = await countCohort(ctx, {}, ["sex"]);
    assert.equal(all.total, plain.length);
    assert.deepEqual(
      all.cells.map((c) => c.count),
      [plain.length],
    );
    const byPractice = await countCohort(ctx, {}, ["ageBand"]);
    assert.ok(byPractice.cells.every((c) => c.count === null || c.count >= 5));
    assert.ok(byPractice.cells.some((c) => c.suppressed));
    const gp = await contextFor(t.db, "gp", "gp", "practice", "direct-care");
    await assert.rejects(countCohort(gp, {}, ["sex"]), AccessDenied);
  });
});
