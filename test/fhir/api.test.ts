// The FHIR R4 API through the real HTTP server (app.inject): the CapabilityStatement, read, every search
// parameter, paging, _summary=count, $everything, ETags, OperationOutcome errors, and the audit row each read
// writes. Refusals by relationship and objection are here too; SMART clients are in smart.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NHS_NUMBER_SYSTEM } from "../../src/core/codes.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { BMI, elsewhere, HBA1C, ids, objector, person, preparePlace } from "./place.ts";

const tokens = new Map<string, string>();
const web = webSuite({ prepare: (db) => preparePlace(db, tokens) });
const { get } = bearerRequests(web, tokens);

type Json = ReturnType<typeof JSON.parse>;
const entries = (bundle: Json) =>
  (bundle.entry ?? []).filter((e: Json) => e.search?.mode === "match").map((e: Json) => e.resource);

async function lastAudit() {
  const [row] = await web.t.db.query(
    "SELECT actor, action, allowed, reason, detail, channel, person_ids FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  return row as Json;
}

test("metadata is a CapabilityStatement of the types, interactions and search parameters served, without signing in", async () => {
  const res = await get(`/fhir/R4/metadata`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /^application\/fhir\+json/);
  const cs = res.json();
  assert.equal(cs.resourceType, "CapabilityStatement");
  assert.equal(cs.fhirVersion, "4.0.1");
  const types = cs.rest[0].resource.map((r: Json) => r.type);
  // Reads carry meta.versionId, so the statement says versioned (and offers no vread it does not have).
  const patientCs = cs.rest[0].resource.find((r: Json) => r.type === "Patient");
  assert.equal(patientCs.versioning, "versioned");
  assert.ok(!patientCs.interaction.some((i: Json) => i.code === "vread"));
  assert.deepEqual(types, [
    "Patient",
    "Organization",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "RiskAssessment",
    "Flag",
    "CarePlan",
    "CareTeam",
    "Task",
    "ServiceRequest",
    "EpisodeOfCare",
    "Consent",
    "Practitioner",
    "PractitionerRole",
    "AuditEvent",
    "Group",
  ]);
  // Bulk Data: the statement instantiates the Bulk Data CapabilityStatement and offers $export at each level.
  assert.deepEqual(cs.instantiates, ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"]);
  assert.deepEqual(cs.rest[0].operation, [
    { name: "export", definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export" },
  ]);
  assert.ok(patientCs.operation.some((o: Json) => o.name === "export"));
  assert.deepEqual(patientCs.searchRevInclude, [
    "Condition:patient",
    "Condition:subject",
    "Encounter:patient",
    "Encounter:subject",
  ]);
  const group = cs.rest[0].resource.find((r: Json) => r.type === "Group");
  assert.equal(group.interaction, undefined, "Groups are for $export only: no read or search is claimed");
  assert.deepEqual(group.operation, [
    { name: "export", definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export" },
  ]);
  const observation = cs.rest[0].resource.find((r: Json) => r.type === "Observation");
  assert.deepEqual(
    observation.searchParam.map((p: Json) => p.name),
    ["_id", "_lastUpdated", "patient", "subject", "code", "date", "status"],
  );
  assert.deepEqual(observation.searchInclude, ["Observation:patient", "Observation:subject"]);
  assert.deepEqual(
    observation.interaction.map((i: Json) => i.code),
    ["read", "search-type"],
  );
  assert.ok(!JSON.stringify(cs).includes('"create"'), "no single-resource create (writes are Bundles only)");
});

test("read Patient: UK Core NHS Number, other identifiers, GP practice; ETag and If-None-Match; audited with the path", async () => {
  const res = await get(`/fhir/R4/Patient/${person.personId}`, "gp.fhir");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers["content-type"]), /^application\/fhir\+json/);
  const patient = res.json();
  assert.equal(patient.id, person.personId);
  assert.deepEqual(patient.identifier, [
    { system: NHS_NUMBER_SYSTEM, value: person.nhsNumber },
    { system: "urn:oneplace:id:ZZA01:mrn", value: "MRN-0001" },
  ]);
  assert.deepEqual(patient.name, [{ use: "official", family: "Fhirperson", given: ["Ada"] }]);
  assert.equal(patient.birthDate, person.birthDate);
  assert.equal(patient.generalPractitioner[0].identifier.value, "Z90001");
  const audit = await lastAudit();
  assert.equal(audit.channel, "fhir");
  assert.equal(audit.allowed, true);
  assert.equal(audit.detail, `GET /fhir/R4/Patient/${person.personId}`);
  const etag = String(res.headers.etag);
  assert.match(etag, /^W\/"\d+"$/);
  const again = await get(`/fhir/R4/Patient/${person.personId}`, "gp.fhir", { "if-none-match": etag });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, "");
});

test("conditional read: If-None-Match compared weakly (a list, the strong form, *), If-Modified-Since to the second; each read audited", async () => {
  const url = `/fhir/R4/Patient/${person.personId}`;
  const first = await get(url, "gp.fhir");
  const etag = String(first.headers.etag);
  const version = /^W\/"(\d+)"$/.exec(etag)?.[1];
  assert.ok(version, etag);
  const lastModified = String(first.headers["last-modified"]);
  assert.ok(!Number.isNaN(Date.parse(lastModified)), lastModified);
  const status = async (headers: Record<string, string>) => (await get(url, "gp.fhir", headers)).statusCode;
  assert.equal(await status({ "if-none-match": `W/"0", ${etag}` }), 304);
  assert.equal(await status({ "if-none-match": `"${version}"` }), 304);
  assert.equal(await status({ "if-none-match": "*" }), 304);
  assert.equal(await status({ "if-none-match": `W/"${Number(version) + 1}"` }), 200);
  assert.equal(await status({ "if-modified-since": lastModified }), 304);
  const later = new Date(Date.parse(lastModified) + 86_400_000).toUTCString();
  assert.equal(await status({ "if-modified-since": later }), 304);
  const earlier = new Date(Date.parse(lastModified) - 1_000).toUTCString();
  const changed = await get(url, "gp.fhir", { "if-modified-since": earlier });
  assert.equal(changed.statusCode, 200);
  assert.equal(changed.json().id, person.personId);
  assert.equal(await status({ "if-modified-since": "not a date" }), 200);
  // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2): a stale tag gets the resource.
  assert.equal(await status({ "if-none-match": 'W/"0"', "if-modified-since": later }), 200);
  // A 304 is a read: decided and audited like any other.
  const audit = await lastAudit();
  assert.equal(audit.allowed, true);
  assert.equal(audit.detail, `GET ${url}`);
  // Someone who may not read the person gets no 304 from a guessed tag: the same 404 as before.
  assert.equal(
    (await get(`/fhir/R4/Patient/${elsewhere.personId}`, "gp.fhir", { "if-none-match": "*" })).statusCode,
    404,
  );
});

test("read of each resource type by its id", async () => {
  const cases: [string, string, string, (r: Json) => void][] = [
    [
      "Condition",
      ids.condition,
      `/fhir/R4/Condition/${ids.condition}`,
      (r) => assert.equal(r.code.coding[0].code, "44054006"),
    ],
    [
      "Observation",
      ids.obs2020,
      `/fhir/R4/Observation/${ids.obs2020}`,
      (r) => assert.deepEqual(r.valueQuantity, { value: 52, unit: "mmol/mol" }),
    ],
    [
      "MedicationRequest",
      ids.medication,
      `/fhir/R4/MedicationRequest/${ids.medication}`,
      (r) => assert.equal(r.courseOfTherapyType.coding[0].code, "continuous"),
    ],
    [
      "Encounter",
      ids.outpatient,
      `/fhir/R4/Encounter/${ids.outpatient}`,
      (r) => assert.equal(r.status, "cancelled"),
    ],
    ["Encounter", ids.contact, `/fhir/R4/Encounter/${ids.contact}`, (r) => assert.equal(r.class.code, "HH")],
    ["Encounter", ids.ae, `/fhir/R4/Encounter/${ids.ae}`, (r) => assert.equal(r.class.code, "EMER")],
    [
      "RiskAssessment",
      `efi-${person.personId}`,
      `/fhir/R4/RiskAssessment/efi-${person.personId}`,
      (r) => assert.equal(r.basis[0].reference, `Condition/${ids.condition}`),
    ],
    [
      "RiskAssessment",
      `admission-${person.personId}`,
      `/fhir/R4/RiskAssessment/admission-${person.personId}`,
      (r) => assert.equal(r.prediction[0].probabilityDecimal, 0.31),
    ],
    ["Flag", "", `/fhir/R4/Flag/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`, () => {}],
    [
      "Organization",
      "Z90001",
      "/fhir/R4/Organization/Z90001",
      (r) => assert.equal(r.partOf.identifier.value, "ZZL01"),
    ],
  ];
  for (const [type, id, path, check] of cases) {
    const res = await get(path, "gp.fhir");
    if (type === "Flag") {
      assert.equal(res.statusCode, 404, "no such flag");
      continue;
    }
    assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
    assert.equal(res.json().resourceType, type);
    assert.equal(res.json().id, id);
    check(res.json());
  }
});

test("Flag: a risk register membership, found by search and read by its id", async () => {
  const db = web.t.db;
  await db.query(
    `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES ($1, 'frailty-severe', 'Z90001', '2023-02-01')`,
    [person.personId],
  );
  const bundle = (await get(`/fhir/R4/Flag?patient=${person.personId}&status=active`, "gp.fhir")).json();
  const [flag] = entries(bundle);
  assert.equal(flag.code.coding[0].code, "frailty-severe");
  assert.equal(flag.period.start, "2023-02-01");
  const read = await get(`/fhir/R4/Flag/${flag.id}`, "gp.fhir");
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().id, flag.id);
});

test("a hospital spell carries the NHS Data Dictionary admission method and the discharge, through UK Core systems", async () => {
  const bundle = (
    await get(`/fhir/R4/Encounter?patient=${person.personId}&type=hospital-spell`, "gp.fhir")
  ).json();
  const [spell] = entries(bundle);
  assert.equal(spell.class.code, "IMP");
  assert.equal(spell.status, "finished");
  const admission = spell.extension.find((e: Json) => e.url.endsWith("Extension-UKCore-AdmissionMethod"));
  assert.equal(
    admission.valueCodeableConcept.coding[0].system,
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland",
  );
  assert.equal(admission.valueCodeableConcept.coding[0].code, "21");
  assert.equal(spell.period.start, "2022-05-01T10:00:00.000Z");
  assert.equal(spell.serviceProvider.identifier.system, "https://fhir.nhs.uk/Id/ods-organization-code");
});

test("search Patient by identifier system|value finds exactly that person; a person without a relationship is withheld, not named", async () => {
  const mine = (
    await get(`/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${person.nhsNumber}`, "gp.fhir")
  ).json();
  assert.equal(mine.resourceType, "Bundle");
  assert.equal(mine.type, "searchset");
  assert.deepEqual(
    entries(mine).map((p: Json) => p.id),
    [person.personId],
  );
  const audit = await lastAudit();
  assert.equal(audit.action, "search");
  assert.equal(
    audit.detail,
    `GET /fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|***`,
    "the NHS Number is masked in the audit detail",
  );
  const theirs = (
    await get(`/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${elsewhere.nhsNumber}`, "gp.fhir")
  ).json();
  assert.equal(entries(theirs).length, 0);
  assert.equal(theirs.total, 0);
  const outcome = theirs.entry.find((e: Json) => e.search.mode === "outcome").resource;
  assert.match(outcome.issue[0].diagnostics, /1 matching person is not shown/);
  assert.ok(!JSON.stringify(theirs).includes(elsewhere.familyName));
  const local = (
    await get(`/fhir/R4/Patient?identifier=urn:oneplace:id:ZZA01:mrn|MRN-0001`, "gp.fhir")
  ).json();
  assert.deepEqual(
    entries(local).map((p: Json) => p.id),
    [person.personId],
  );
  const byId = (await get(`/fhir/R4/Patient?_id=${person.personId}`, "gp.fhir")).json();
  assert.deepEqual(
    entries(byId).map((p: Json) => p.id),
    [person.personId],
  );
  const born = (
    await get(`/fhir/R4/Patient?birthdate=${person.birthDate}&identifier=MRN-0001`, "gp.fhir")
  ).json();
  assert.deepEqual(
    entries(born).map((p: Json) => p.id),
    [person.personId],
  );
  // A date of birth, and an identifier given without its system, are masked whole.
  assert.equal(
    (await lastAudit()).detail,
    "GET /fhir/R4/Patient?birthdate=***&identifier=***",
    "no date of birth or bare identifier in the audit detail",
  );
});

test("identifier search returns only the person whose identifier it is: never by a source record's mistyped number, another system's value or part of a number", async () => {
  const db = web.t.db;
  // Another person's source record carries this person's NHS Number by mistake, and a hospital's MRN system
  // happens to use the same digits for them: neither may make a search by NHS Number return them.
  await db.query(
    `INSERT INTO person_record (person_id, source_system, source_record_id, nhs_number, family_name, received_at)
     VALUES ($1, 'typo-system', 'r1', $2, 'Mistyped', now())`,
    [objector.personId, person.nhsNumber],
  );
  await db.query(
    `INSERT INTO person_identifier (person_id, system, value, source_system, received_at)
     VALUES ($1, 'urn:oneplace:id:ZZA01:mrn', $2, 'test', now())`,
    [objector.personId, person.nhsNumber],
  );
  const ids = async (query: string) =>
    entries((await get(`/fhir/R4/Patient?${query}`, "gp.fhir")).json()).map((p: Json) => p.id);
  assert.deepEqual(await ids(`identifier=${NHS_NUMBER_SYSTEM}|${person.nhsNumber}`), [person.personId]);
  assert.deepEqual(
    await ids(`identifier=urn:oneplace:id:ZZA01:mrn|${person.nhsNumber}`),
    [],
    "the objector is withheld, and the person has no such MRN",
  );
  const oneDigitOff = `${person.nhsNumber.slice(0, 9)}${(Number(person.nhsNumber[9]) + 1) % 10}`;
  assert.deepEqual(
    await ids(`identifier=${NHS_NUMBER_SYSTEM}|${oneDigitOff}`),
    [],
    "one digit off is another number",
  );
  const partial = await get(
    `/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${person.nhsNumber.slice(0, 6)}`,
    "gp.fhir",
  );
  assert.equal(partial.statusCode, 400, "part of an NHS Number is refused, not matched as a prefix");
  assert.deepEqual(
    await ids(`identifier=|${person.nhsNumber}`),
    [],
    "|value means no system, which none has",
  );
  const spaced = `${person.nhsNumber.slice(0, 3)} ${person.nhsNumber.slice(3, 6)} ${person.nhsNumber.slice(6)}`;
  assert.deepEqual(await ids(`identifier=${NHS_NUMBER_SYSTEM}|${encodeURIComponent(spaced)}`), [
    person.personId,
  ]);
  for (const type of ["Observation", "Condition", "Encounter"]) {
    const bundle = (await get(`/fhir/R4/${type}?patient=${person.personId}`, "gp.fhir")).json();
    for (const resource of entries(bundle))
      assert.equal(resource.subject.reference, `Patient/${person.personId}`);
  }
});

test("search Observation by patient, code (system|code and code), date with prefixes and status", async () => {
  const base = `/fhir/R4/Observation?patient=Patient/${person.personId}`;
  const idsOf = async (url: string) => entries((await get(url, "gp.fhir")).json()).map((o: Json) => o.id);
  assert.deepEqual(await idsOf(base), [ids.obs2021, ids.obs2020, ids.obs2019], "newest first");
  assert.deepEqual(
    await idsOf(`/fhir/R4/Observation?subject=${person.personId}&code=http://snomed.info/sct|${HBA1C}`),
    [ids.obs2020, ids.obs2019],
  );
  assert.deepEqual(await idsOf(`${base}&code=${BMI}`), [ids.obs2021]);
  assert.deepEqual(
    await idsOf(`${base}&code=http://loinc.org|${BMI}`),
    [],
    "the system must match when given",
  );
  assert.deepEqual(await idsOf(`${base}&code=${BMI},${HBA1C}`), [ids.obs2021, ids.obs2020, ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&date=ge2020-01-01`), [ids.obs2021, ids.obs2020]);
  assert.deepEqual(await idsOf(`${base}&date=lt2020-06-15`), [ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&date=le2020-06-15`), [ids.obs2020, ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&date=gt2020-06-15`), [ids.obs2021]);
  assert.deepEqual(await idsOf(`${base}&date=2020`), [ids.obs2020]);
  assert.deepEqual(await idsOf(`${base}&date=2020-06`), [ids.obs2020]);
  assert.deepEqual(await idsOf(`${base}&date=ne2020`), [ids.obs2021, ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&date=ge2019-01-01&date=lt2021-01-01`), [ids.obs2020, ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&status=final`), [ids.obs2021, ids.obs2020, ids.obs2019]);
  assert.deepEqual(await idsOf(`${base}&status=preliminary`), []);
  assert.deepEqual(await idsOf(`/fhir/R4/Observation?_id=${ids.obs2019}`), [ids.obs2019]);
});

test("search of the other types by their parameters", async () => {
  const p = `patient=${person.personId}`;
  const count = async (url: string) => entries((await get(url, "gp.fhir")).json()).length;
  assert.equal(await count(`/fhir/R4/Condition?${p}&code=44054006&recorded-date=2018-03-01`), 1);
  assert.equal(await count(`/fhir/R4/Condition?${p}&verification-status=confirmed`), 1);
  assert.equal(
    await count(`/fhir/R4/MedicationRequest?${p}&authoredon=ge2021&status=completed&code=39720311000001101`),
    1,
  );
  assert.equal(await count(`/fhir/R4/Encounter?${p}`), 4);
  assert.equal(await count(`/fhir/R4/Encounter?${p}&class=EMER`), 1);
  assert.equal(await count(`/fhir/R4/Encounter?${p}&status=cancelled`), 1);
  assert.equal(await count(`/fhir/R4/Encounter?${p}&date=2022-05`), 2);
  assert.equal(await count(`/fhir/R4/RiskAssessment?${p}&code=efi`), 1);
  assert.equal(await count(`/fhir/R4/RiskAssessment?${p}`), 2);
  assert.equal(
    await count(`/fhir/R4/Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|Z90002`),
    1,
  );
  assert.equal(await count(`/fhir/R4/Organization?type=practice`), 2);
  const flags = entries(
    (await get(`/fhir/R4/Flag?patient=${objector.personId}&status=active`, "gp.fhir")).json(),
  );
  assert.equal(flags.length, 0, "the GP may not read the objector's record at all");
});

test("_include=Observation:patient adds the Patient once, as an include; _lastUpdated filters on when rows were received", async () => {
  const bundle = (
    await get(`/fhir/R4/Observation?patient=${person.personId}&_include=Observation:patient`, "gp.fhir")
  ).json();
  assert.equal(entries(bundle).length, 3);
  const included = bundle.entry.filter((e: Json) => e.search.mode === "include").map((e: Json) => e.resource);
  assert.deepEqual(
    included.map((r: Json) => `${r.resourceType}/${r.id}`),
    [`Patient/${person.personId}`],
  );
  const wrong = await get(
    `/fhir/R4/Observation?patient=${person.personId}&_include=Observation:performer`,
    "gp.fhir",
  );
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().issue[0].code, "not-supported");
  const received = async (prefix: string) =>
    entries(
      (
        await get(
          `/fhir/R4/Observation?patient=${person.personId}&_lastUpdated=${prefix}2024-01-01`,
          "gp.fhir",
        )
      ).json(),
    ).length;
  assert.equal(await received("eq"), 3, "the place's observations were received on 2024-01-01");
  assert.equal(await received("gt"), 0);
});

test("_sort by date and _lastUpdated, ascending or descending; anything else is a 400", async () => {
  const order = async (sort: string) =>
    entries(
      (await get(`/fhir/R4/Observation?patient=${person.personId}&_sort=${sort}`, "gp.fhir")).json(),
    ).map((o: Json) => o.id);
  assert.deepEqual(await order("date"), [ids.obs2019, ids.obs2020, ids.obs2021]);
  assert.deepEqual(await order("-date"), [ids.obs2021, ids.obs2020, ids.obs2019]);
  assert.deepEqual(await order("_lastUpdated,date"), [ids.obs2019, ids.obs2020, ids.obs2021]);
  const bad = await get(`/fhir/R4/Observation?patient=${person.personId}&_sort=value`, "gp.fhir");
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().issue[0].diagnostics, /can be sorted by date, _lastUpdated or _id/);
  const noDate = await get(`/fhir/R4/Patient?_id=${person.personId}&_sort=date`, "gp.fhir");
  assert.equal(noDate.statusCode, 400, "Patient has no date parameter to sort by");
});

test("_revinclude=Condition:patient and Encounter:patient on a Patient search add the shown people's records only", async () => {
  const bundle = (
    await get(
      `/fhir/R4/Patient?_id=${person.personId},${elsewhere.personId}&_revinclude=Condition:patient&_revinclude=Encounter:subject`,
      "gp.fhir",
    )
  ).json();
  assert.deepEqual(
    entries(bundle).map((p: Json) => p.id),
    [person.personId],
  );
  const included = bundle.entry.filter((e: Json) => e.search.mode === "include").map((e: Json) => e.resource);
  assert.deepEqual(included.map((r: Json) => r.resourceType).sort(), [
    "Condition",
    "Encounter",
    "Encounter",
    "Encounter",
    "Encounter",
  ]);
  assert.ok(included.every((r: Json) => r.subject.reference === `Patient/${person.personId}`));
  const wrong = await get(
    `/fhir/R4/Patient?_id=${person.personId}&_revinclude=Observation:patient`,
    "gp.fhir",
  );
  assert.equal(wrong.statusCode, 400);
  const notPatient = await get(
    `/fhir/R4/Observation?patient=${person.personId}&_revinclude=Condition:patient`,
    "gp.fhir",
  );
  assert.equal(notPatient.statusCode, 400);
});

test("AuditEvent for the IG officer: who looked at a person and what a user did; a GP is refused", async () => {
  assert.equal((await get(`/fhir/R4/Patient/${person.personId}`, "gp.fhir")).statusCode, 200);
  const who = await get(`/fhir/R4/AuditEvent?patient=Patient/${person.personId}`, "ig.fhir");
  assert.equal(who.statusCode, 200, who.body);
  const events = entries(who.json());
  assert.ok(events.length > 0);
  assert.ok(events.every((e: Json) => e.resourceType === "AuditEvent"));
  const gpRead = events.find(
    (e: Json) => e.agent[0].who.identifier.value === "gp.fhir" && e.source.site === "fhir",
  );
  assert.ok(gpRead, "the GP's read through the FHIR API is in the trail");
  assert.equal(gpRead.entity[0].what.reference, `Patient/${person.personId}`);
  const what = entries((await get("/fhir/R4/AuditEvent?altid=gp.fhir", "ig.fhir")).json());
  assert.ok(what.length > 0);
  assert.ok(what.every((e: Json) => e.agent[0].who.identifier.value === "gp.fhir"));
  const refused = await get(`/fhir/R4/AuditEvent?patient=${person.personId}`, "gp.fhir");
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().resourceType, "OperationOutcome");
  const neither = await get("/fhir/R4/AuditEvent", "ig.fhir");
  assert.equal(neither.statusCode, 400);
});

test("paging: _count, next and previous links, and _summary=count", async () => {
  const first = (await get(`/fhir/R4/Observation?patient=${person.personId}&_count=2`, "gp.fhir")).json();
  assert.equal(first.total, 3);
  assert.equal(entries(first).length, 2);
  const next = first.link.find((l: Json) => l.relation === "next").url as string;
  assert.match(next, /_offset=2/);
  const second = (await get(new URL(next).pathname + new URL(next).search, "gp.fhir")).json();
  assert.deepEqual(
    entries(second).map((o: Json) => o.id),
    [ids.obs2019],
  );
  assert.equal(
    second.link.find((l: Json) => l.relation === "next"),
    undefined,
  );
  assert.ok(second.link.find((l: Json) => l.relation === "previous"));
  const counted = (
    await get(`/fhir/R4/Observation?patient=${person.personId}&_summary=count`, "gp.fhir")
  ).json();
  assert.deepEqual(counted, { resourceType: "Bundle", type: "searchset", total: 3 });
});

test("Patient/$everything: the person and every resource about them, one decision", async () => {
  const before = Number((await web.t.db.query("SELECT count(*)::int AS n FROM audit_event"))[0].n);
  const bundle = (await get(`/fhir/R4/Patient/${person.personId}/$everything`, "gp.fhir")).json();
  const types = entries(bundle).map((r: Json) => r.resourceType);
  for (const type of [
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "RiskAssessment",
  ]) {
    assert.ok(types.includes(type), `${type} missing from $everything`);
  }
  assert.equal(types.filter((t: string) => t === "Observation").length, 3);
  const after = Number((await web.t.db.query("SELECT count(*)::int AS n FROM audit_event"))[0].n);
  assert.equal(after - before, 1);
});

test("errors are OperationOutcome with their status: unknown id, unknown parameter, bad date, a search too wide", async () => {
  const cases: [string, number, string][] = [
    [`/fhir/R4/Observation/0b6b5f3e-1111-4b6e-9c1a-0000000000ff`, 404, "not-found"],
    [`/fhir/R4/Patient/not-an-id`, 404, "not-found"],
    [`/fhir/R4/Observation?patient=${person.personId}&colour=blue`, 400, "not-supported"],
    [`/fhir/R4/Observation?patient=${person.personId}&date=yesterday`, 400, "invalid"],
    [`/fhir/R4/Observation?code=${HBA1C}`, 400, "too-costly"],
    [`/fhir/R4/Patient`, 400, "too-costly"],
    [`/fhir/R4/Basket/1`, 404, "not-supported"],
  ];
  for (const [url, status, code] of cases) {
    const res = await get(url, "gp.fhir");
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    assert.match(String(res.headers["content-type"]), /^application\/fhir\+json/);
    assert.equal(res.json().resourceType, "OperationOutcome");
    assert.equal(res.json().issue[0].code, code, url);
  }
  const badBirthDate = await get("/fhir/R4/Patient?birthdate=1938-02-30", "gp.fhir");
  assert.equal(badBirthDate.statusCode, 400);
  assert.ok(!badBirthDate.body.includes("1938-02-30"), "an error never repeats a date of birth it was sent");
  // Thirty-six dashes have the shape of an id but are none: a 400, never a failed cast (500).
  const dashes = await get(`/fhir/R4/Observation?patient=Patient/${"-".repeat(36)}`, "gp.fhir");
  assert.equal(dashes.statusCode, 400);
  assert.equal(dashes.json().resourceType, "OperationOutcome");
});

test("refused: no relationship answers as no such person (404, audited as refused); an objection and a pseudonymised role are 403s", async () => {
  const nurse = await get(`/fhir/R4/Observation?patient=${person.personId}`, "nurse.fhir");
  const nobody = await get(`/fhir/R4/Observation?patient=0b6b5f3e-1111-4b6e-9c1a-0000000000fe`, "nurse.fhir");
  assert.equal(nurse.statusCode, 404);
  assert.deepEqual(
    nurse.json(),
    nobody.json(),
    "a person not seen and a person who does not exist look alike",
  );
  assert.equal(nurse.json().issue[0].code, "not-found");
  const seen = await get(`/fhir/R4/Observation?patient=${person.personId}`, "nurse.fhir");
  assert.equal(seen.statusCode, 404);
  assert.deepEqual(
    { allowed: (await lastAudit()).allowed, reason: (await lastAudit()).reason },
    { allowed: false, reason: "no legitimate relationship" },
  );
  const objection = await get(`/fhir/R4/Observation/${ids.objectorObs}`, "gp.fhir");
  assert.equal(objection.statusCode, 403);
  assert.match(objection.json().issue[0].diagnostics, /objects to sharing/);
  const other = await get(`/fhir/R4/Patient/${elsewhere.personId}`, "gp.fhir");
  const none = await get(`/fhir/R4/Patient/0b6b5f3e-1111-4b6e-9c1a-0000000000fe`, "gp.fhir");
  assert.equal(other.statusCode, 404);
  assert.equal(none.statusCode, 404);
  assert.equal(other.body, none.body, "the same answer, word for word");
  assert.deepEqual(
    { allowed: (await lastAudit()).allowed, reason: (await lastAudit()).reason },
    { allowed: false, reason: "no legitimate relationship" },
  );
  const otherEverything = await get(`/fhir/R4/Patient/${elsewhere.personId}/$everything`, "gp.fhir");
  const noneEverything = await get(
    `/fhir/R4/Patient/0b6b5f3e-1111-4b6e-9c1a-0000000000fe/$everything`,
    "gp.fhir",
  );
  assert.equal(otherEverything.statusCode, 404);
  assert.equal(otherEverything.body, noneEverything.body);
  const analyst = await get(`/fhir/R4/Patient/${person.personId}`, "analyst.fhir");
  assert.equal(analyst.statusCode, 403);
  const analystSearch = await get(`/fhir/R4/Patient?_id=${person.personId}`, "analyst.fhir");
  assert.equal(analystSearch.statusCode, 403);
  assert.equal((await lastAudit()).allowed, false);
});

test("read and decided in one statement: a person with nothing to show, a break-glass grant, each audited once before the answer", async () => {
  const count = async () => Number((await web.t.db.query("SELECT count(*)::int AS n FROM audit_event"))[0].n);
  // The person has no care plan: the decision comes from the statement that found none.
  let before = await count();
  const empty = await get(`/fhir/R4/CarePlan?patient=${person.personId}`, "gp.fhir");
  assert.equal(empty.statusCode, 200);
  assert.equal(empty.json().total, 0);
  assert.equal(await count(), before + 1);
  assert.deepEqual(
    { allowed: (await lastAudit()).allowed, people: (await lastAudit()).person_ids },
    { allowed: true, people: [person.personId] },
  );
  // An open break-glass grant: the read is allowed and its audit row names that grant and is flagged.
  const [gp] = await web.t.db.query<{ user_id: string; team_id: string }>(
    `SELECT u.user_id, ur.team_id FROM app_user u JOIN user_role ur USING (user_id) WHERE u.username = 'gp.fhir'`,
  );
  const [{ id: grant }] = await web.t.db.query<{ id: string }>(
    `INSERT INTO break_glass (person_id, break_glass_id, user_id, role_code, team_id, reason, started_at, expires_at)
     VALUES ($1, gen_random_uuid(), $2, 'gp', $3, 'unconscious in clinic, no records here', now() - interval '1 minute',
             now() + interval '1 hour')
     RETURNING break_glass_id::text AS id`,
    [elsewhere.personId, gp.user_id, gp.team_id],
  );
  // (Grants are kept, never deleted: the refusals above, which this grant would change, have run.)
  before = await count();
  const read = await get(`/fhir/R4/Observation/${ids.elsewhereObs}`, "gp.fhir");
  assert.equal(read.statusCode, 200);
  const searched = await get(`/fhir/R4/Observation?patient=${elsewhere.personId}`, "gp.fhir");
  assert.equal(searched.json().total, 1);
  assert.equal(await count(), before + 2, "one audit row per request");
  const rows = await web.t.db.query<{ break_glass_id: string; flagged: boolean; relationship: string }>(
    "SELECT break_glass_id::text, flagged, relationship FROM audit_event ORDER BY seq DESC LIMIT 2",
  );
  for (const row of rows)
    assert.deepEqual(row, { break_glass_id: grant, flagged: true, relationship: "break-glass" });
});

test("_format: json and the JSON media types are served; XML is refused with a 406 OperationOutcome", async () => {
  for (const format of ["json", "application/json", "application/fhir%2Bjson", "application/fhir+json"]) {
    const res = await get(`/fhir/R4/Patient/${person.personId}?_format=${format}`, "gp.fhir");
    assert.equal(res.statusCode, 200, `${format}: ${res.body}`);
    assert.match(String(res.headers["content-type"]), /^application\/fhir\+json/);
  }
  for (const url of [
    `/fhir/R4/Patient/${person.personId}?_format=xml`,
    `/fhir/R4/Observation?patient=${person.personId}&_format=application/fhir%2Bxml`,
    "/fhir/R4/metadata?_format=xml",
  ]) {
    const res = await get(url, "gp.fhir");
    assert.equal(res.statusCode, 406, url);
    assert.equal(res.json().resourceType, "OperationOutcome");
    assert.equal(res.json().issue[0].code, "not-supported");
  }
});

test("links are built from the configured public URL: a forged Host header does not move them", async () => {
  const res = await get(`/fhir/R4/Observation?patient=${person.personId}&_count=1`, "gp.fhir", {
    host: "attacker.example",
  });
  assert.equal(res.statusCode, 200, res.body);
  const links = res.json().link.map((l: Json) => l.url as string);
  assert.ok(links.length >= 2);
  for (const url of links) assert.ok(url.startsWith("http://localhost:3000/fhir/R4/"), url);
  const metadata = await get("/fhir/R4/metadata", undefined, { host: "attacker.example" });
  assert.equal(metadata.json().implementation.url, "http://localhost:3000/fhir/R4");
});

test("without credentials, or with a bad token, a 401 OperationOutcome", async () => {
  const none = await get(`/fhir/R4/Patient/${person.personId}`);
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().resourceType, "OperationOutcome");
  const bad = await get(`/fhir/R4/Patient/${person.personId}`, undefined, {
    authorization: "Bearer opt_nonsense",
  });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().issue[0].code, "login");
  assert.match(String(bad.headers["www-authenticate"]), /invalid_token/);
});

test("no names or NHS Numbers in the server's log lines", () => {
  const log = web.logLines.join("\n");
  for (const p of [person, elsewhere, objector]) {
    assert.ok(!log.includes(p.nhsNumber), "an NHS Number is in the log");
    assert.ok(!log.includes(p.familyName), "a name is in the log");
  }
});
