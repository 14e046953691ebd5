// Writes through the real server: transaction and batch Bundles POSTed to /fhir/R4 by a backend client
// registered to write, loaded through ingest's FHIR path. A transaction is all or nothing, a batch entry by
// entry; the same Bundle twice changes nothing; rejects are kept; unsupported types are accepted and counted;
// every refusal (no write registration, a user, a missing scope, a malformed Bundle) is an OperationOutcome.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { issueAccessToken } from "../../src/fhir/clients.ts";
import { fhirRescorerFor, registerClient } from "../../src/fhir/index.ts";
import { createUserInRole, nextNhsNumber, ORGS, TEAMS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { elsewhere, objector, person, preparePlace } from "./place.ts";

type Json = ReturnType<typeof JSON.parse>;
process.env.ONEPLACE_HOME = mkdtempSync(join(tmpdir(), "oneplace-fhir-writes-"));
const tokens = new Map<string, string>();
const SOURCE = "acute-epr";
const JWK = {
  kty: "EC",
  crv: "P-384",
  x: "o4m0Iv5hLwKaxL1dJ1vQlL4bWiUdz8LtDLsYJ4EhKSDjwtNKr8RvmKbBVkC9tRDZ",
  y: "sX4jOWWrvXGtRBaC4dKvyjlkKrWV3l5u4L6Lnj0MYHgtqjL6Gz0tV0xq2b3mEjQn",
  alg: "ES384",
};

async function client(
  db: Parameters<typeof registerClient>[0],
  name: string,
  scopes: string[],
  ingest: string | null,
) {
  const { clientId } = await registerClient(db, TEST_OPERATOR, {
    name,
    username: "svc.acute",
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    purpose: "direct-care",
    scopes,
    jwks: { keys: [JWK] },
    ingestSource: ingest,
  });
  tokens.set(name, (await issueAccessToken(db, clientId, scopes)).token);
  return clientId;
}

const ids: Record<string, string> = {};
const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    // The place's person as the master person index holds them (the ingest finds a person by NHS Number there).
    await db.query(
      `INSERT INTO mpi_record_link (source_system, source_record_id, person_id, nhs_number, linked_at)
       VALUES ('test', 'fhir-person', $1, $2, now())`,
      [person.personId, person.nhsNumber],
    );
    await createUserInRole(db, "svc.acute", "gp", "practice");
    ids.writer = await client(db, "writer", ["system/*.cud", "system/*.rs"], SOURCE);
    await client(db, "patients-only", ["system/Patient.c"], SOURCE);
    await client(db, "reader", ["system/*.rs"], null);
  },
});
const { get } = bearerRequests(web, tokens);
const post = (who: string | undefined, body: unknown, type = "application/fhir+json") =>
  web.app.inject({
    method: "POST",
    url: "/fhir/R4",
    headers: { ...(who ? { authorization: `Bearer ${tokens.get(who)}` } : {}), "content-type": type },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });

const NHS = "https://fhir.nhs.uk/Id/nhs-number";
function patient(id: string, nhs: string, gender = "female") {
  return {
    resourceType: "Patient",
    id,
    identifier: [{ system: NHS, value: nhs }],
    name: [{ family: "Writer", given: ["Wren"] }],
    gender,
    birthDate: "1941-02-03",
    generalPractitioner: [
      { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: ORGS.practice } },
    ],
  };
}
function observation(id: string, subject: string, value = 51) {
  return {
    resourceType: "Observation",
    id,
    status: "final",
    code: { coding: [{ system: "http://snomed.info/sct", code: "1003671000000109" }] },
    subject: { reference: subject },
    effectiveDateTime: "2025-03-04",
    valueQuantity: { value, unit: "mmol/mol" },
  };
}
function bundle(
  type: string,
  entries: { resource: Json; fullUrl?: string; method?: string; ifNoneExist?: string }[],
) {
  return {
    resourceType: "Bundle",
    type,
    entry: entries.map((e) => ({
      ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}),
      resource: e.resource,
      request: {
        method: e.method ?? "POST",
        url: e.resource.resourceType,
        ...(e.ifNoneExist !== undefined ? { ifNoneExist: e.ifNoneExist } : {}),
      },
    })),
  };
}

const rows = async (sql: string, params: unknown[] = []) => web.t.db.query<Json>(sql, params);
const count = async (table: string) =>
  Number((await rows(`SELECT count(*) AS n FROM ${table} WHERE source_system = $1`, [SOURCE]))[0].n);

test("the CapabilityStatement claims transaction and batch at the base, and no single-resource write", async () => {
  const cs = (await get("/fhir/R4/metadata")).json();
  assert.deepEqual(
    cs.rest[0].interaction.map((i: Json) => i.code),
    ["transaction", "batch"],
  );
  for (const r of cs.rest[0].resource)
    assert.ok(
      (r.interaction ?? []).every((i: Json) => ["read", "search-type"].includes(i.code)),
      `${r.type} claims only reads`,
    );
});

test("POST /fhir/R4 transaction: stored through ingest, read back, audited; the same Bundle again changes nothing", async () => {
  const nhs = nextNhsNumber();
  // The Observation refers to the Patient by its entry's fullUrl, as a sender's transaction does.
  const patientUrl = "urn:uuid:8c0e5b7e-0000-4000-8000-0000000000aa";
  const { id: _unused, ...unnamed } = patient("x", nhs);
  const tx = bundle("transaction", [
    { resource: observation("tx-obs-1", patientUrl) },
    { fullUrl: patientUrl, resource: unnamed },
    { resource: { resourceType: "Device", id: "tx-dev-1" } },
  ]);
  const first = await post("writer", tx);
  assert.equal(first.statusCode, 200, first.body);
  assert.match(String(first.headers["content-type"]), /^application\/fhir\+json/);
  const answer = first.json();
  assert.equal(answer.type, "transaction-response");
  assert.deepEqual(
    answer.entry.map((e: Json) => e.response.status),
    ["200 OK", "200 OK", "202 Accepted"],
  );
  assert.match(answer.entry[2].response.outcome.issue[0].diagnostics, /does not store Device/);
  const location = answer.entry[1].response.location as string;
  assert.match(location, /^Patient\/[0-9a-f-]{36}$/);

  // Read back by the practice's GP: the Patient registered with the practice its generalPractitioner names.
  const personId = location.slice("Patient/".length);
  const read = await get(`/fhir/R4/Patient/${personId}`, "gp.fhir");
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().identifier.find((i: Json) => i.system === NHS).value, nhs);
  const obs = (await get(`/fhir/R4/Observation?patient=${personId}`, "gp.fhir")).json();
  assert.deepEqual(
    obs.entry.map((e: Json) => e.resource.valueQuantity.value),
    [51],
  );

  const [load] = await rows(
    "SELECT status, layout, records_read, loaded, unsupported_by_type FROM ingest_load WHERE source_system = $1 ORDER BY started_at DESC LIMIT 1",
    [SOURCE],
  );
  assert.equal(load.status, "succeeded");
  assert.equal(load.layout, "Bundle transaction");
  const [dataLoad] = await rows(
    "SELECT status, rows_by_table FROM data_load WHERE source_system = $1 ORDER BY started_at DESC LIMIT 1",
    [SOURCE],
  );
  assert.equal(dataLoad.status, "succeeded", "the load row is finished in the transaction that stored it");
  assert.ok(Object.keys(dataLoad.rows_by_table).length > 0);
  assert.equal(load.records_read, 3);
  assert.deepEqual(load.unsupported_by_type, { Device: 1 });
  const [audit] = await rows(
    "SELECT action, allowed, reason, detail, person_ids FROM audit_event WHERE channel = 'fhir' AND action = 'ingest' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(audit.allowed, true);
  assert.match(audit.reason, /FHIR transaction applied \(2 stored, 0 held, 0 rejected, 1 unsupported/);
  assert.match(
    audit.detail,
    new RegExp(`client ${ids.writer}: POST /fhir/R4 transaction of 3 entries as source ${SOURCE}`),
  );
  assert.ok(!audit.reason.includes(nhs) && !audit.detail.includes(nhs), "no NHS Number in the audit text");

  const before = { people: await count("person_record"), obs: await count("gp_entry") };
  const again = await post("writer", tx);
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().entry[1].response.location, location);
  assert.deepEqual({ people: await count("person_record"), obs: await count("gp_entry") }, before);
  const [second] = await rows(
    "SELECT loaded, duplicates FROM ingest_load WHERE source_system = $1 ORDER BY started_at DESC LIMIT 1",
    [SOURCE],
  );
  assert.equal(second.loaded, 0, "nothing new the second time");
  assert.equal(second.duplicates, 2);
});

test("a transaction with one bad entry is refused whole: 400 naming the entry, nothing stored, the reject kept", async () => {
  const nhs = nextNhsNumber();
  const before = { people: await count("person_record"), obs: await count("gp_entry") };
  const loads = { ingest: await count("ingest_load"), data: await count("data_load") };
  const tx = bundle("transaction", [
    { resource: patient("tx-bad-p", nhs) },
    { resource: observation("tx-bad-o", "Patient/tx-bad-p") },
    { resource: patient("tx-bad-q", nextNhsNumber(), "robot") },
  ]);
  const res = await post("writer", tx);
  assert.equal(res.statusCode, 400, res.body);
  const outcome = res.json();
  assert.equal(outcome.resourceType, "OperationOutcome");
  assert.match(
    outcome.issue[0].diagnostics,
    /not applied: 1 of 3 entries were rejected, so nothing in it was stored/,
  );
  assert.deepEqual(outcome.issue[1].expression, ["Bundle.entry[2]"]);
  assert.match(outcome.issue[1].diagnostics, /Patient\.gender is not male, female, other or unknown/);
  assert.ok(!res.body.includes(nhs), "no NHS Number in the answer");
  assert.deepEqual({ people: await count("person_record"), obs: await count("gp_entry") }, before);
  assert.equal(
    Number(
      (await rows("SELECT count(*) AS n FROM ingest_fhir_held WHERE source_system = $1", [SOURCE]))[0].n,
    ),
    0,
  );
  const rejects = await rows(
    "SELECT reason FROM ingest_reject WHERE source_system = $1 AND resolved_at IS NULL AND reason LIKE '%gender%'",
    [SOURCE],
  );
  assert.equal(rejects.length, 1, "the bad entry is kept for repair");
  const [load] = await rows(
    "SELECT status, failure FROM ingest_load WHERE source_system = $1 ORDER BY started_at DESC LIMIT 1",
    [SOURCE],
  );
  assert.equal(load.status, "failed");
  assert.match(load.failure, /transaction refused/);
  // Tried whole first (its load row in the same transaction, so rolled back with it), then refused: one load.
  assert.deepEqual(
    { ingest: await count("ingest_load"), data: await count("data_load") },
    { ingest: loads.ingest + 1, data: loads.data + 1 },
  );

  // Corrected and sent again, it is applied and the reject is resolved.
  tx.entry[2].resource.gender = "other";
  const fixed = await post("writer", tx);
  assert.equal(fixed.statusCode, 200, fixed.body);
  assert.equal(
    (
      await rows(
        "SELECT count(*) AS n FROM ingest_reject WHERE source_system = $1 AND resolved_at IS NULL AND reason LIKE '%gender%'",
        [SOURCE],
      )
    )[0].n,
    0,
  );
});

test("a batch applies each entry: stored, rejected (kept), held until its Patient arrives, unsupported counted", async () => {
  const res = await post(
    "writer",
    bundle("batch", [
      { resource: patient("b-p1", nextNhsNumber()) },
      { resource: observation("b-o1", "Patient/b-p1", 60) },
      { resource: { ...observation("b-o2", "Patient/b-p1"), code: undefined } },
      { resource: observation("b-o3", "Patient/not-yet-sent") },
      { resource: { resourceType: "Appointment", id: "b-a1", status: "booked", participant: [] } },
      { resource: patient("b-p2", nextNhsNumber()), method: "DELETE" },
    ]),
  );
  assert.equal(res.statusCode, 200, res.body);
  const answer = res.json();
  assert.equal(answer.type, "batch-response");
  assert.deepEqual(
    answer.entry.map((e: Json) => e.response.status),
    ["200 OK", "200 OK", "400 Bad Request", "202 Accepted", "202 Accepted", "400 Bad Request"],
  );
  assert.match(answer.entry[2].response.outcome.issue[0].diagnostics, /Observation\.code.*Kept as a reject/s);
  assert.match(
    answer.entry[3].response.outcome.issue[0].diagnostics,
    /has not been received from acute-epr yet: held/,
  );
  assert.match(answer.entry[5].response.outcome.issue[0].diagnostics, /request method DELETE is not applied/);
  assert.deepEqual(answer.entry[2].response.outcome.issue[0].expression, ["Bundle.entry[2]"]);
  const held = await rows("SELECT origin_key FROM ingest_fhir_held WHERE source_system = $1", [SOURCE]);
  assert.deepEqual(
    held.map((h) => h.origin_key),
    ["Observation/b-o3"],
  );

  // The Patient it waits for, in a later batch, releases it.
  const later = await post(
    "writer",
    bundle("batch", [{ resource: patient("not-yet-sent", nextNhsNumber()) }]),
  );
  assert.equal(later.statusCode, 200, later.body);
  assert.equal(
    (await rows("SELECT count(*) AS n FROM ingest_fhir_held WHERE source_system = $1", [SOURCE]))[0].n,
    0,
  );
});

test("refused: no write registration, a user's token, a missing c scope, no token: audited, nothing stored", async () => {
  const before = await count("person_record");
  const tx = bundle("transaction", [
    { resource: patient("r-p1", nextNhsNumber()) },
    { resource: observation("r-o1", "Patient/r-p1") },
  ]);
  const reader = await post("reader", tx);
  assert.equal(reader.statusCode, 403, reader.body);
  assert.match(
    reader.json().issue[0].diagnostics,
    /registered to write \(oneplace fhir register-client --ingest-source\)/,
  );
  const user = await post("gp.fhir", tx);
  assert.equal(user.statusCode, 403, user.body);
  const narrow = await post("patients-only", tx);
  assert.equal(narrow.statusCode, 403, narrow.body);
  assert.match(
    narrow.json().issue[0].diagnostics,
    /do not allow create of Observation \(system\/Observation\.c\)/,
  );
  const put = await post(
    "patients-only",
    bundle("batch", [{ resource: patient("r-p1", nextNhsNumber()), method: "PUT" }]),
  );
  assert.equal(put.statusCode, 403, put.body);
  assert.match(put.json().issue[0].diagnostics, /update of Patient \(system\/Patient\.u\)/);
  const anonymous = await post(undefined, tx);
  assert.equal(anonymous.statusCode, 401);
  assert.equal(await count("person_record"), before);
  const refusals = await rows(
    "SELECT reason FROM audit_event WHERE action = 'ingest' AND allowed = false ORDER BY seq",
  );
  assert.equal(refusals.length, 4);
});

test("a malformed Bundle gets a 400 OperationOutcome saying what to send", async () => {
  const cases: [string, string, RegExp][] = [
    [
      '{"resourceType": "Bundle", "type": "transaction", "entry": [',
      "application/fhir+json",
      /not valid JSON/,
    ],
    [
      JSON.stringify(patient("m-p", nextNhsNumber())),
      "application/fhir+json",
      /takes a Bundle of type transaction or batch, not a Patient: to send one resource, put it in a batch Bundle/,
    ],
    [
      JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [] }),
      "application/json",
      /Bundle\.type must be transaction .* or batch .*, not collection/,
    ],
    [
      JSON.stringify({ resourceType: "Bundle", type: "batch", entry: { resource: {} } }),
      "application/fhir+json",
      /Bundle\.entry must be a list/,
    ],
  ];
  for (const [body, type, message] of cases) {
    const res = await post("writer", body, type);
    assert.equal(res.statusCode, 400, res.body);
    const outcome = res.json();
    assert.equal(outcome.resourceType, "OperationOutcome");
    assert.match(outcome.issue[0].diagnostics, message);
  }
  const put = await web.app.inject({
    method: "PUT",
    url: "/fhir/R4/Patient/x",
    headers: { authorization: `Bearer ${tokens.get("writer")}` },
  });
  assert.equal(put.statusCode, 405);
  assert.match(put.json().issue[0].diagnostics, /transaction or batch Bundle POSTed to the base/);
});

test("the ingest bench's refusals: concurrent transactions of new people all apply; an id with _ is refused, saying so", async () => {
  // bench/fhir-ingest.ts saw 10-25% of its requests answered 400 under 32 connections. Sixteen senders at once,
  // each a new person with the same birth date and gender, all apply: concurrency was not the cause.
  const run = Date.now().toString(36);
  const sends = Array.from({ length: 16 }, (_, i) =>
    post(
      "writer",
      bundle("transaction", [
        {
          resource: { ...patient(`${run}-c${i}`, nextNhsNumber()), name: [{ family: `Conc${i}` }] },
          method: "PUT",
        },
        { resource: observation(`${run}-c${i}-o`, `Patient/${run}-c${i}`) },
      ]),
    ),
  );
  const answers = await Promise.all(sends);
  // A failure names the server's logged error too (its log carries no personal data), not only the 500's body.
  assert.deepEqual(
    answers.map((a) => a.statusCode),
    answers.map(() => 200),
    [
      answers.find((a) => a.statusCode !== 200)?.body,
      ...web.logLines.filter((line) => line.includes("request failed")),
    ].join("\n"),
  );
  // The cause: autocannon's [<id>] is URL-safe base64, and "_" is not allowed in a FHIR id. A connection whose
  // random id held one had each of its Bundles refused, with the reason in the OperationOutcome.
  const id = `${run}-6occqPGc_WScI6YNjSzrBg-0000000001`;
  const refused = await post(
    "writer",
    bundle("transaction", [
      { resource: patient(id, nextNhsNumber()), method: "PUT" },
      { resource: observation(`${id}-o0`, `Patient/${id}`) },
    ]),
  );
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.json().issue[1].diagnostics, /Patient\.id is missing or not a FHIR id/);
});

// Conditional create (ifNoneExist): the condition is the writing client's own search, as the role and purpose
// it was registered for (a GP of the test practice), so it sees `person` but not `elsewhere` (another practice)
// nor `objector` (objects to sharing).
const byNhs = (nhs: string) => `identifier=${NHS}|${nhs}`;

test("conditional create: no match creates (201), one match returns the existing without writing (200), several are 412", async () => {
  const fresh = nextNhsNumber();
  const none = await post(
    "writer",
    bundle("batch", [{ resource: patient("cc-new", fresh), ifNoneExist: byNhs(fresh) }]),
  );
  assert.equal(none.statusCode, 200, none.body);
  const created = none.json().entry[0].response;
  assert.equal(created.status, "201 Created");
  assert.match(created.location, /^Patient\/[0-9a-f-]{36}$/);

  // One match: the Patient entry is not written; the Observation that refers to it by its fullUrl is stored
  // against the person it matched.
  const records = await count("person_record");
  const patientUrl = "urn:uuid:8c0e5b7e-0000-4000-8000-0000000000cc";
  const { id: _unused, ...unnamed } = patient("x", person.nhsNumber);
  const matched = await post(
    "writer",
    bundle("transaction", [
      { fullUrl: patientUrl, resource: unnamed, ifNoneExist: byNhs(person.nhsNumber) },
      { resource: observation("cc-obs-1", patientUrl, 63) },
    ]),
  );
  assert.equal(matched.statusCode, 200, matched.body);
  const [patientEntry, obsEntry] = matched.json().entry.map((e: Json) => e.response);
  assert.equal(patientEntry.status, "200 OK");
  assert.equal(patientEntry.location, `Patient/${person.personId}`);
  assert.match(
    patientEntry.outcome.issue[0].diagnostics,
    /matched an existing Patient: returned, nothing written/,
  );
  assert.equal(obsEntry.status, "200 OK", JSON.stringify(obsEntry));
  assert.equal(await count("person_record"), records, "the matched Patient was not written");
  const [obs] = await rows(
    "SELECT person_id::text AS person_id FROM gp_entry WHERE source_system = $1 AND source_record_id = 'cc-obs-1'",
    [SOURCE],
  );
  assert.equal(obs.person_id, person.personId);

  // Several matches the client may see: 412 for the entry in a batch, the whole transaction in a transaction.
  const born = "1933-03-03";
  const twins = await post(
    "writer",
    bundle("batch", [
      { resource: { ...patient("cc-twin-1", nextNhsNumber()), birthDate: born } },
      { resource: { ...patient("cc-twin-2", nextNhsNumber()), birthDate: born } },
    ]),
  );
  assert.equal(twins.statusCode, 200, twins.body);
  const third = { ...patient("cc-twin-3", nextNhsNumber()), birthDate: born };
  const several = await post(
    "writer",
    bundle("batch", [
      { resource: third, ifNoneExist: `birthdate=${born}` },
      { resource: observation("cc-obs-2", "Patient/cc-twin-1") },
    ]),
  );
  assert.equal(several.statusCode, 200, several.body);
  const answers = several.json().entry.map((e: Json) => e.response);
  assert.equal(answers[0].status, "412 Precondition Failed");
  assert.equal(answers[0].outcome.issue[0].code, "multiple-matches");
  assert.equal(answers[1].status, "200 OK", "the batch's other entry is applied");
  const before = await count("person_record");
  const tx = await post(
    "writer",
    bundle("transaction", [
      { resource: third, ifNoneExist: `birthdate=${born}` },
      { resource: observation("cc-obs-3", "Patient/cc-twin-1") },
    ]),
  );
  assert.equal(tx.statusCode, 412, tx.body);
  assert.equal(tx.json().issue[1].expression[0], "Bundle.entry[0]");
  assert.equal(await count("person_record"), before);
  assert.equal((await rows("SELECT 1 FROM gp_entry WHERE source_record_id = 'cc-obs-3'")).length, 0);

  // A condition the API cannot search is refused for its entry, saying why.
  const bad = await post(
    "writer",
    bundle("batch", [{ resource: patient("cc-bad", nextNhsNumber()), ifNoneExist: "_summary=count" }]),
  );
  assert.equal(bad.json().entry[0].response.status, "400 Bad Request");
  assert.match(
    bad.json().entry[0].response.outcome.issue[0].diagnostics,
    /ifNoneExist takes Patient's search parameters/,
  );
});

test("conditional create: a match the client may not read does not leak, and needs the search scope", async () => {
  // The same answer as for nobody: created (201, a Patient location), no word of anyone withheld.
  const answer = async (nhs: string, id: string) => {
    const res = await post(
      "writer",
      bundle("transaction", [
        { resource: { ...patient(id, nhs), generalPractitioner: undefined }, ifNoneExist: byNhs(nhs) },
      ]),
    );
    assert.equal(res.statusCode, 200, res.body);
    return res.json().entry[0].response;
  };
  const nobody = await answer(nextNhsNumber(), "cc-nobody");
  for (const [who, unseen] of [
    ["elsewhere (no relationship)", elsewhere],
    ["objector", objector],
  ] as const) {
    const got = await answer(unseen.nhsNumber, `cc-unseen-${unseen.personId.slice(0, 8)}`);
    assert.equal(got.status, nobody.status, who);
    assert.equal(got.status, "201 Created", who);
    assert.match(got.location, /^Patient\/[0-9a-f-]{36}$/, who);
    assert.deepEqual(
      got.outcome.issue.map((i: Json) => [i.severity, i.code]),
      nobody.outcome.issue.map((i: Json) => [i.severity, i.code]),
      who,
    );
    assert.doesNotMatch(JSON.stringify(got), /withheld|not shown|objects|relationship|matched/, who);
  }
  // The search was the client's own: audited as its role, the person withheld from it.
  const [search] = await rows(
    "SELECT allowed, person_count, detail FROM audit_event WHERE channel = 'fhir' AND action = 'search' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(
    search.detail,
    `client ${ids.writer}: POST /fhir/R4 ifNoneExist Patient?identifier=${NHS}|***`,
    "the search is audited, its NHS Number masked",
  );
  assert.equal(search.allowed, false, "the person was withheld from the client");
  // A writer without a search scope for the type may not ask: 403 naming the scope, nothing applied.
  const nhs = nextNhsNumber();
  const refused = await post(
    "patients-only",
    bundle("batch", [{ resource: patient("cc-noscope", nhs), ifNoneExist: byNhs(nhs) }]),
  );
  assert.equal(refused.statusCode, 403, refused.body);
  assert.match(refused.json().issue[0].diagnostics, /search of Patient \(system\/Patient\.s\)/);
});

test("a write queues the people whose record it changed for rescoring, in its transaction; a resend or a refusal queues no one", async () => {
  const scored = async () =>
    (await rows("SELECT run_id::text AS run_id FROM risk_person WHERE person_id = $1", [person.personId]))[0]
      ?.run_id as string | undefined;
  const first = await scored();
  assert.ok(first, "the person is scored by the place's full run");
  const rescorings = async () =>
    Number((await rows("SELECT coalesce(sum(people), 0) AS n FROM risk_run WHERE kind = 'people'"))[0].n);
  const rescoringsBefore = await rescorings();
  const tx = bundle("batch", [
    {
      resource: {
        ...observation("rs-obs-1", "x"),
        subject: { identifier: { system: NHS, value: person.nhsNumber } },
      },
    },
  ]);
  const res = await post("writer", tx);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().entry[0].response.status, "200 OK");
  const rescorer = fhirRescorerFor(web.t.db);
  assert.ok(rescorer, "the write started the rescorer");
  await rescorer.drain();
  // The observation changes nothing the score reads, so the full run's row stands: the rescoring is recorded.
  assert.ok((await rescorings()) > rescoringsBefore, "the person was rescored after the write");
  const second = await scored();
  assert.equal(Number((await rows("SELECT count(*) AS n FROM risk_rescore_queue"))[0].n), 0);

  // Nothing changed: no one is queued, so a drain rescores no one.
  const done = rescorer.stats().rescored;
  assert.equal((await post("writer", tx)).statusCode, 200);
  await rescorer.drain();
  assert.equal(rescorer.stats().rescored, done, "the same Bundle again queues no one");
  // A refused transaction queues no one either: its queue rows would roll back with it.
  const refused = await post(
    "writer",
    bundle("transaction", [
      {
        resource: {
          ...observation("rs-obs-2", "x"),
          subject: { identifier: { system: NHS, value: person.nhsNumber } },
        },
      },
      { resource: patient("rs-bad", nextNhsNumber(), "robot") },
    ]),
  );
  assert.equal(refused.statusCode, 400, refused.body);
  await rescorer.drain();
  assert.equal(rescorer.stats().rescored, done, "a refused transaction queues no one");
  assert.equal(await scored(), second);
});
