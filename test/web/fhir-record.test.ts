// What a hospital sends as standard FHIR reaches the person's record as a professional sees it: loaded through
// `loadFhirFile`, read back through the governed reader on the person's timeline (an allergy, a smoking status
// with its coded value, an inpatient stay), by the GP the Patient resource names.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadFhirFile } from "../../src/ingest/index.ts";
import { createTeams, createUserInRole, insertOrganisations, ORGS, TEAMS } from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const tokens = new Map<string, string>();
const dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-record-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const subject = { reference: "Patient/h-1" };
const BUNDLE = {
  resourceType: "Bundle",
  type: "collection",
  entry: [
    {
      resourceType: "Patient",
      id: "h-1",
      identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765137" }],
      name: [{ family: "Hospitalfeed", given: ["Ida"] }],
      gender: "female",
      birthDate: "1936-06-06",
      generalPractitioner: [
        { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: ORGS.practice } },
      ],
    },
    {
      resourceType: "AllergyIntolerance",
      id: "h-allergy",
      patient: subject,
      code: { coding: [{ system: "http://snomed.info/sct", code: "294505008" }] },
      recordedDate: "2019-03-01",
    },
    {
      resourceType: "Observation",
      id: "h-smoking",
      status: "final",
      code: { coding: [{ system: "http://loinc.org", code: "72166-2" }] },
      subject,
      effectiveDateTime: "2019-03-02",
      valueCodeableConcept: { coding: [{ system: "http://snomed.info/sct", code: "8517006" }] },
    },
    {
      resourceType: "Encounter",
      id: "h-stay",
      status: "finished",
      class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "IMP" },
      subject,
      period: { start: "2019-03-01T09:00:00+00:00", end: "2019-03-04T15:00:00+00:00" },
      serviceProvider: {
        identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: ORGS.acute },
      },
    },
  ].map((resource) => ({ resource })),
};

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    writeFileSync(join(dir, "hospital.json"), JSON.stringify(BUNDLE));
    const r = await loadFhirFile(db, join(dir, "hospital.json"), { source: "hospital-ehr" });
    assert.equal(r.counts.loaded, 4);
    await createUserInRole(db, "gp.fhir", "gp", "practice");
    await addApiToken(db, tokens, "fhir", {
      username: "gp.fhir",
      roleCode: "gp",
      teamCode: TEAMS.practice.teamCode,
      purpose: "direct-care",
    });
  },
});

const { get } = bearerRequests(web, tokens);

test("a hospital's standard FHIR reaches the person's timeline, seen by the GP the Patient names", async () => {
  const [link] = await web.t.db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = 'hospital-ehr' AND source_record_id = 'h-1'",
  );
  const res = await get(`/api/people/${link.person_id}/timeline`, "gp.fhir");
  assert.equal(res.statusCode, 200, res.body);
  const events = res.json().events as { kind: string; detail: string }[];
  assert.deepEqual(
    events.map((e) => [e.kind, e.detail]),
    [
      ["gp-entry", "allergy http://snomed.info/sct 294505008"],
      ["hospital-spell", "other inpatient"],
      ["gp-entry", "observation http://loinc.org 72166-2 8517006"],
    ],
  );
});
