import assert from "node:assert/strict";
import { test } from "node:test";
import { webSuite } from "./harness.ts";

const web = webSuite({
  async prepare(db) {
    await db.exec(`
    INSERT INTO organisation (org_code, name, kind, source_system) VALUES ('ZZL01', 'Grays', 'locality', 'test');
    INSERT INTO organisation (org_code, name, kind, parent_code, source_system) VALUES
      ('Z90001', 'Riverside (synthetic)', 'practice', 'ZZL01', 'test'),
      ('Z90002', 'Hillside (synthetic)', 'practice', 'ZZL01', 'test');
    INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, source_system, source_record_id, received_at)
      VALUES ('00000000-0000-4000-8000-000000000001', '9990000018', 'Testperson', 'Ada', '1940-01-01', 'female', 'test', 'p1', now());
    INSERT INTO person_by_nhs_number (nhs_number, person_id) VALUES ('9990000018', '00000000-0000-4000-8000-000000000001');
    INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class, source_system, source_record_id, received_at)
      VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', 'ZZA01', '2014-05-01T10:00:00Z', 'emergency', 'inpatient', 'test', 's1', now());
  `);
  },
});

test("/health reports the engine and that migrations are current", async () => {
  const res = await web.app.inject({ method: "GET", url: "/health" });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: "ok", engine: web.t.db.engine, migrations: "current" });
});

test("/api/status counts what is loaded", async () => {
  const res = await web.app.inject({ method: "GET", url: "/api/status" });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.people, 1);
  assert.equal(body.practices, 2);
  assert.equal(body.localities, 1);
  assert.equal(body.eventsByKind.find((e: { table: string }) => e.table === "hospital_spell").rows, 1);
  assert.equal(body.historyFrom, "2014-05-01");
});

test("the status page shows the counts in the NHS.UK design, and no personal data", async () => {
  const res = await web.app.inject({ method: "GET", url: "/status" });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers["content-type"] as string, /text\/html/);
  const html = res.body;
  assert.match(html, /<h1[^>]*>What is loaded<\/h1>/);
  assert.match(html, /nhsuk-header/);
  assert.match(html, /Hospital spells/);
  assert.match(html, /Testplace/);
  assert.doesNotMatch(html, /Testperson|9990000018|999 000 0018/);
});

test("every response carries the security headers", async () => {
  for (const url of ["/status", "/health", "/no-such-page"]) {
    const res = await web.app.inject({ method: "GET", url });
    assert.match(String(res.headers["content-security-policy"]), /default-src 'self'/, url);
    assert.equal(res.headers["x-content-type-options"], "nosniff", url);
    assert.equal(res.headers["x-frame-options"], "DENY", url);
  }
});

test("an unknown path is a problem+json 404", async () => {
  const res = await web.app.inject({ method: "GET", url: "/patients/9990000018" });
  assert.equal(res.statusCode, 404);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  assert.equal(res.json().status, 404);
});

test("the NHS.UK stylesheet is served, and nothing outside the asset folders", async () => {
  const css = await web.app.inject({ method: "GET", url: "/assets/nhsuk/nhsuk-frontend.min.css" });
  assert.equal(css.statusCode, 200);
  assert.match(String(css.headers["content-type"]), /text\/css/);
  assert.match(css.body, /\.nhsuk-header/);
  assert.doesNotMatch(css.body, /url\(https?:/, "nothing may load from another site at run time");
  for (const url of [
    "/assets/nhsuk/..%2F..%2Fpackage.json",
    "/assets/nhsuk/index.scss",
    "/assets/nhsuk/images/..%2F..%2F..%2Fpackage.json",
  ]) {
    const res = await web.app.inject({ method: "GET", url });
    assert.equal(res.statusCode, 404, url);
  }
});

test("request logs carry the route pattern, never the URL", () => {
  const joined = web.logLines.join("");
  assert.match(joined, /"route":"\/health"/);
  assert.doesNotMatch(joined, /9990000018/);
});
