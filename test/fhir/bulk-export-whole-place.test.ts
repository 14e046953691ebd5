// The whole-place Bulk Data export: a system export by a registered backend client acting in the commissioner
// role for commissioning (the place's data warehouse) holds every person governance lets through, beyond the
// 10,000-person cap of an analyst's extract, pseudonymised as an analyst's is and audited as one extract. An
// analyst with an API token keeps the cap, a Group export keeps it, and a direct-care client is not given the
// place: it exports its relationships, as a GP's token does.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { issueAccessToken } from "../../src/fhir/clients.ts";
import { registerClient } from "../../src/fhir/index.ts";
import { pseudonymFor } from "../../src/governance/index.ts";
import {
  createUserInRole,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEAMS,
  TEST_OPERATOR,
} from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { elsewhere, objector, person, preparePlace } from "./place.ts";

const home = mkdtempSync(join(tmpdir(), "oneplace-fhir-bulk-place-"));
process.env.ONEPLACE_HOME = home;
process.env.ONEPLACE_PSEUDONYM_KEY_COMMISSIONING = "cd".repeat(32);
const KEY = Buffer.from("cd".repeat(32), "hex");

/** More people than an analyst's extract may hold, alike in every quasi-identifier (k-anonymity keeps them). */
const CROWD = 10_050;
/** Five people at the practice like `person` in every quasi-identifier, so k-anonymity keeps her. */
const lookalikes = Array.from({ length: 5 }, (_, i) =>
  makePerson({ familyName: `Lookalike${String.fromCharCode(65 + i)}`, givenName: "Dot" }),
);

const tokens = new Map<string, string>();
const clients = new Map<string, { clientId: string; scopes: string[] }>();

async function client(
  db: Parameters<typeof registerClient>[0],
  name: string,
  who: {
    username: string;
    roleCode: string;
    team: keyof typeof TEAMS;
    purpose: "commissioning" | "direct-care";
  },
) {
  await createUserInRole(db, who.username, who.roleCode, who.team);
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const scopes = ["system/*.rs"];
  const { clientId } = await registerClient(db, TEST_OPERATOR, {
    name,
    username: who.username,
    roleCode: who.roleCode,
    teamCode: TEAMS[who.team].teamCode,
    purpose: who.purpose,
    scopes,
    jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), alg: "ES384" }] },
  });
  clients.set(name, { clientId, scopes });
}

const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    for (const p of lookalikes) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.practice);
    }
    await db.query(
      `INSERT INTO person (person_id, family_name, given_name, birth_date, sex, postcode, area_code, source_system,
         source_record_id, received_at)
       SELECT gen_random_uuid(), 'Crowd', 'Cal', '1950-06-01', 'male', 'RM16 1AA', 'ZA0001', 'test', 'crowd-' || n, now()
         FROM generate_series(1, $1::int) n`,
      [CROWD],
    );
    await client(db, "warehouse", {
      username: "svc.warehouse",
      roleCode: "commissioner-analyst",
      team: "commissioning",
      purpose: "commissioning",
    });
    await client(db, "gp-system", {
      username: "svc.gp-system",
      roleCode: "gp",
      team: "practice",
      purpose: "direct-care",
    });
  },
});
const { get } = bearerRequests(web, tokens);

type Json = ReturnType<typeof JSON.parse>;
const path = (url: string) => new URL(url).pathname + new URL(url).search;

/** Kicks off, polls to the manifest and downloads each file, as `who` (a client gets a fresh access token). */
async function exportAs(url: string, who: string): Promise<{ files: Map<string, Json[]>; notes: string[] }> {
  const registered = clients.get(who);
  if (registered)
    tokens.set(who, (await issueAccessToken(web.t.db, registered.clientId, registered.scopes)).token);
  const kick = await get(url, who, { prefer: "respond-async" });
  assert.equal(kick.statusCode, 202, kick.body);
  const status = path(String(kick.headers["content-location"]));
  let manifest: Json = null;
  for (let i = 0; i < 2000 && !manifest; i++) {
    const res = await get(status, who);
    if (res.statusCode === 200) manifest = res.json();
    else {
      assert.equal(res.statusCode, 202, res.body);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  assert.ok(manifest, "the export finished");
  const read = async (u: string) => {
    const res = await get(path(u), who);
    assert.equal(res.statusCode, 200, res.body);
    return res.body
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  };
  const files = new Map<string, Json[]>();
  for (const o of manifest.output) files.set(o.type, await read(o.url));
  const notes = (await Promise.all(manifest.error.map((e: Json) => read(e.url))))
    .flat()
    .flatMap((o: Json) => o.issue.map((i: Json) => i.diagnostics));
  return { files, notes };
}

test("a commissioning data warehouse client's system export is the whole place, pseudonymised, audited once", async () => {
  const { files, notes } = await exportAs("/fhir/R4/$export", "warehouse");
  const patients = files.get("Patient") as Json[];
  // The crowd beyond the analyst's cap, and the place's people but the objector (never in a commissioning
  // export) and the one person at the other practice, too unlike anyone else to be kept by k-anonymity.
  assert.equal(patients.length, CROWD + 1 + lookalikes.length);
  const ids = new Set(patients.map((p) => p.id));
  for (const p of [person, ...lookalikes]) assert.ok(ids.has(pseudonymFor(KEY, p.personId)));
  assert.ok(!ids.has(pseudonymFor(KEY, objector.personId)), "an objector is never in a commissioning export");
  assert.ok(!ids.has(pseudonymFor(KEY, elsewhere.personId)));
  const text = JSON.stringify([...files].filter(([type]) => type !== "Organization"));
  for (const leak of [
    person.nhsNumber,
    person.familyName,
    person.personId,
    person.birthDate,
    "RM16 1AA",
    '"name"',
  ])
    assert.ok(!text.includes(leak), `${leak} is in the whole-place export`);
  const observations = files.get("Observation") as Json[];
  assert.equal(observations.length, 3, "the person's own");
  assert.ok(observations.every((o) => ids.has(o.subject.reference.slice("Patient/".length))));
  assert.ok(notes.some((n) => /^The whole place/.test(n)));
  assert.ok(!notes.some((n) => /at most 10,000/.test(n)));
  const [audit] = await web.t.db.query<{ person_count: number; reason: string }>(
    `SELECT person_count, reason FROM audit_event WHERE actor = 'svc.warehouse' AND action = 'export'
        AND disclosure = 'pseudonymised' AND reason LIKE 'pseudonymised for%' ORDER BY seq DESC LIMIT 1`,
  );
  // Named before k-anonymity withholds anyone: everyone but the objector.
  assert.equal(
    audit.person_count,
    CROWD + 2 + lookalikes.length,
    "one audit row names every person in the extract",
  );
  assert.match(audit.reason, /the whole place/);
});

test("the cap stays for an analyst acting with an API token", async () => {
  const analyst = await exportAs("/fhir/R4/$export?_type=Patient", "analyst.fhir");
  assert.ok((analyst.files.get("Patient") as Json[]).length <= 10_000);
  assert.ok(analyst.notes.some((n) => /at most 10,000/.test(n)));
  assert.ok(!analyst.notes.some((n) => /^The whole place/.test(n)));
});

test("a direct-care client is not given the place: its system export is its relationships, identifiable", async () => {
  const { files, notes } = await exportAs("/fhir/R4/$export?_type=Patient", "gp-system");
  const patients = files.get("Patient") as Json[];
  // Registered at the practice (the objector objects to sharing beyond the council: withheld); not the crowd.
  assert.deepEqual(patients.map((p) => p.id).sort(), [person, ...lookalikes].map((p) => p.personId).sort());
  assert.ok(notes.some((n) => /not exported: this caller has no legitimate relationship/.test(n)));
});
