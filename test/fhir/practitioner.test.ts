// Practitioner and PractitionerRole through the real server: the practitioners a source sent (loaded by the
// FHIR ingest), read and searched by identifier, name and organisation, each validated against R4; staff
// accounts are not practitioners.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadFhirFile } from "../../src/ingest/index.ts";
import { ORGS } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { preparePlace } from "./place.ts";
import { errorsOf } from "./validate.ts";

type Json = ReturnType<typeof JSON.parse>;
const tokens = new Map<string, string>();
const dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-practitioner-"));
process.env.ONEPLACE_HOME = dir;
const GMC = "https://fhir.hl7.org.uk/Id/gmc-number";

const practitioner = (id: string, gmc: string, family: string, given: string) => ({
  resourceType: "Practitioner",
  id,
  identifier: [{ system: GMC, value: gmc }],
  name: [{ family, given: [given] }],
});

const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    const path = join(dir, "practitioners.ndjson");
    writeFileSync(
      path,
      `${[practitioner("pr-1", "7654321", "Hartley", "Jo"), practitioner("pr-2", "7654322", "Okafor", "Hart")]
        .map((r) => JSON.stringify(r))
        .join("\n")}\n`,
    );
    assert.equal((await loadFhirFile(db, path, { source: "acute-epr" })).counts.loaded, 2);
    await db.query("INSERT INTO ingest_source (source_system, org_code) VALUES ('acute-epr', $1)", [
      ORGS.acute,
    ]);
    const other = join(dir, "other.ndjson");
    writeFileSync(other, `${JSON.stringify(practitioner("pr-9", "7654329", "Nowhere", "Al"))}\n`);
    await loadFhirFile(db, other, { source: "unknown-org-system" });
  },
});
const { get } = bearerRequests(web, tokens);

test("Practitioner: search by identifier and by name (start, any case), read by id; valid R4", async () => {
  const byIdentifier = (await get(`/fhir/R4/Practitioner?identifier=${GMC}|7654321`, "gp.fhir")).json();
  assert.equal(byIdentifier.total, 1);
  const jo = byIdentifier.entry[0].resource;
  assert.deepEqual(jo.name, [{ family: "Hartley", given: ["Jo"] }]);
  assert.deepEqual(jo.identifier, [{ system: GMC, value: "7654321" }]);
  assert.equal((await get(`/fhir/R4/Practitioner?identifier=${GMC}|7654399`, "gp.fhir")).json().total, 0);
  assert.equal((await get(`/fhir/R4/Practitioner?identifier=urn:other|7654321`, "gp.fhir")).json().total, 0);

  // "hart" starts Hartley's family name and Okafor's given name.
  const byName = (await get("/fhir/R4/Practitioner?name=hart", "gp.fhir")).json();
  assert.deepEqual(byName.entry.map((e: Json) => e.resource.name[0].family).sort(), ["Hartley", "Okafor"]);
  const byFamily = (await get("/fhir/R4/Practitioner?family=HART", "gp.fhir")).json();
  assert.deepEqual(
    byFamily.entry.map((e: Json) => e.resource.name[0].family),
    ["Hartley"],
  );
  assert.equal(
    (await get("/fhir/R4/Practitioner?name=art", "gp.fhir")).json().total,
    0,
    "not a substring match",
  );

  const read = await get(`/fhir/R4/Practitioner/${jo.id}`, "gp.fhir");
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(read.json(), jo);
  assert.equal(
    (await get("/fhir/R4/Practitioner/00000000-0000-4000-8000-000000000000", "gp.fhir")).statusCode,
    404,
  );
  for (const r of [jo, byIdentifier, byName]) assert.deepEqual(errorsOf(r), []);
});

test("staff accounts are not practitioners: the GP users of the place are not served", async () => {
  const all = (await get("/fhir/R4/Practitioner?_count=100", "gp.fhir")).json();
  assert.deepEqual(all.entry.map((e: Json) => e.resource.name[0].family).sort(), [
    "Hartley",
    "Nowhere",
    "Okafor",
  ]);
  assert.ok(!JSON.stringify(all).includes("gp.fhir"), "no username");
});

test("PractitionerRole: the practitioner at the organisation whose system sent them; search by organization and practitioner", async () => {
  const atAcute = (
    await get(`/fhir/R4/PractitionerRole?organization=Organization/${ORGS.acute}`, "gp.fhir")
  ).json();
  assert.equal(atAcute.total, 2);
  for (const e of atAcute.entry) {
    assert.deepEqual(e.resource.organization.identifier, {
      system: "https://fhir.nhs.uk/Id/ods-organization-code",
      value: ORGS.acute,
    });
    assert.deepEqual(errorsOf(e.resource), []);
  }
  // A source with no organisation gives a Practitioner but no PractitionerRole.
  const nowhere = (await get("/fhir/R4/Practitioner?family=nowhere", "gp.fhir")).json().entry[0].resource;
  assert.equal(
    (await get(`/fhir/R4/PractitionerRole?practitioner=Practitioner/${nowhere.id}`, "gp.fhir")).json().total,
    0,
  );
  assert.equal((await get(`/fhir/R4/PractitionerRole/${nowhere.id}`, "gp.fhir")).statusCode, 404);

  const jo = (await get(`/fhir/R4/Practitioner?identifier=${GMC}|7654321`, "gp.fhir")).json().entry[0]
    .resource;
  const role = (await get(`/fhir/R4/PractitionerRole?practitioner=Practitioner/${jo.id}`, "gp.fhir")).json();
  assert.equal(role.total, 1);
  assert.equal(role.entry[0].resource.practitioner.reference, `Practitioner/${jo.id}`);
  const byGmc = (
    await get(`/fhir/R4/PractitionerRole?practitioner.identifier=${GMC}|7654322`, "gp.fhir")
  ).json();
  assert.equal(byGmc.total, 1);
  assert.equal(
    (await get(`/fhir/R4/PractitionerRole?organization=Organization/${ORGS.practice}`, "gp.fhir")).json()
      .total,
    0,
  );
  const read = await get(`/fhir/R4/PractitionerRole/${jo.id}`, "gp.fhir");
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(errorsOf(read.json()), []);
});
