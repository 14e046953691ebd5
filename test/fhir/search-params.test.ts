// The FHIR search value parsers: dates at every precision with their prefixes, and tokens. Property tests over
// generated dates, and the cases that must be refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FhirError } from "../../src/fhir/outcome.ts";
import { parseDate, parseTokens } from "../../src/fhir/search-params.ts";

const day = fc
  .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

test("a day is the 24 hours from its midnight (UTC), whatever the prefix", () => {
  fc.assert(
    fc.property(day, fc.constantFrom("", "eq", "ne", "lt", "le", "gt", "ge"), (iso, prefix) => {
      const c = parseDate("date", `${prefix}${iso}`);
      assert.equal(c.start.toISOString(), `${iso}T00:00:00.000Z`);
      assert.equal(c.end.getTime() - c.start.getTime(), 86_400_000);
      assert.equal(c.prefix, prefix === "" ? "eq" : prefix);
    }),
  );
});

test("a month and a year span exactly their days; sa and eb are gt and lt", () => {
  fc.assert(
    fc.property(day, (iso) => {
      const month = parseDate("date", iso.slice(0, 7));
      assert.equal(month.start.toISOString().slice(0, 10), `${iso.slice(0, 7)}-01`);
      assert.equal(month.end.getUTCDate(), 1);
      assert.ok(month.start.getTime() <= Date.parse(iso) && Date.parse(iso) < month.end.getTime());
      const year = parseDate("date", iso.slice(0, 4));
      assert.ok(year.start.getTime() <= Date.parse(iso) && Date.parse(iso) < year.end.getTime());
    }),
  );
  assert.equal(parseDate("date", "sa2024").prefix, "gt");
  assert.equal(parseDate("date", "eb2024").prefix, "lt");
});

test("a date-time keeps its offset; a date that does not exist, or is not a date, is refused", () => {
  assert.equal(
    parseDate("date", "ge2024-03-31T01:30:00+01:00").start.toISOString(),
    "2024-03-31T00:30:00.000Z",
  );
  for (const bad of [
    "2024-02-30",
    "2023-02-29",
    "2024-13",
    "2024-00-10",
    "yesterday",
    "24-01-01",
    "ge",
    "2024-1-1",
  ]) {
    assert.throws(
      () => parseDate("date", bad),
      (e: unknown) => e instanceof FhirError && e.status === 400,
      bad,
    );
  }
  assert.equal(parseDate("date", "2024-02-29").start.toISOString(), "2024-02-29T00:00:00.000Z");
});

test("tokens: system|code, code alone, |code, and comma alternatives; a missing code is refused", () => {
  assert.deepEqual(parseTokens("code", "http://snomed.info/sct|123,456"), [
    { system: "http://snomed.info/sct", code: "123" },
    { system: null, code: "456" },
  ]);
  assert.deepEqual(parseTokens("code", "|789"), [{ system: "", code: "789" }]);
  assert.throws(() => parseTokens("code", "http://snomed.info/sct|"), FhirError);
});
