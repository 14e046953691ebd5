// The find page's reading of its query string: which search, and each mistake in words.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFindQuery, splitName } from "../../src/web/views/find.context.ts";

const TODAY = "2016-03-31";

test("names: given first, family last; a comma puts the family name first; one word is a family name", () => {
  assert.deepEqual(splitName("Jane Smith"), { given: "Jane", family: "Smith" });
  assert.deepEqual(splitName("  Jane   Mary  Smith-Jones "), { given: "Jane", family: "Smith-Jones" });
  assert.deepEqual(splitName("SMITH, Jane Mary"), { given: "Jane", family: "SMITH" });
  assert.deepEqual(splitName("Smith"), { given: null, family: "Smith" });
  assert.deepEqual(splitName(" "), { given: null, family: null });
});

test("an NHS Number search takes the bare digits; a name search takes an ISO date or day, month and year", () => {
  assert.deepEqual(parseFindQuery({ nhsNumber: "943-476-5919" }, TODAY).search, {
    kind: "nhs-number",
    nhsNumber: "9434765919",
  });
  assert.deepEqual(parseFindQuery({ name: "Jane Smith", day: "7", month: "3", year: "1948" }, TODAY).search, {
    kind: "name",
    family: "Smith",
    given: "Jane",
    birthDate: "1948-03-07",
    postcode: null,
  });
  const iso = parseFindQuery({ name: "Jane Smith", birthDate: "1948-03-07", postcode: " RM17 6SL " }, TODAY);
  assert.equal(iso.search.kind === "name" && iso.search.postcode, "RM17 6SL");
  assert.deepEqual([iso.form.day, iso.form.month, iso.form.year], ["7", "3", "1948"]);
  assert.deepEqual(parseFindQuery({}, TODAY).search, { kind: "none" });
});

test("each mistake is named for its field, and the date's wrong parts are marked", () => {
  const none = parseFindQuery({ name: "", day: "", month: "", year: "" }, TODAY);
  assert.equal(none.errors.name?.text, "Enter their name");
  assert.equal(none.errors.birthDate?.text, "Enter their date of birth");
  const partial = parseFindQuery({ name: "Jane Smith", day: "7", month: "", year: "" }, TODAY);
  assert.equal(partial.errors.birthDate?.text, "Date of birth must include a month and a year");
  assert.equal(partial.errors.birthDate?.href, "#birthDate-month");
  assert.deepEqual(partial.dateParts, { day: false, month: true, year: true });
  const shortYear = parseFindQuery({ name: "Jane Smith", day: "7", month: "3", year: "48" }, TODAY);
  assert.equal(shortYear.errors.birthDate?.text, "Year must include 4 numbers");
  assert.equal(shortYear.errors.birthDate?.href, "#birthDate-year");
  const unreal = parseFindQuery({ name: "Jane Smith", day: "30", month: "2", year: "1948" }, TODAY);
  assert.equal(unreal.errors.birthDate?.text, "Date of birth must be a real date");
  const future = parseFindQuery({ name: "Jane Smith", day: "1", month: "4", year: "2016" }, TODAY);
  assert.equal(future.errors.birthDate?.text, "Date of birth must be today or in the past");
  const postcode = parseFindQuery(
    { name: "Jane Smith", birthDate: "1948-03-07", postcode: "RM17; DROP" },
    TODAY,
  );
  assert.match(postcode.errors.postcode?.text ?? "", /letters and numbers only/);
  assert.equal(postcode.search.kind, "none");
  const nhs = parseFindQuery({ nhsNumber: "943 476 5918" }, TODAY);
  assert.equal(nhs.errors.nhsNumber?.href, "#nhsNumber");
  assert.equal(nhs.search.kind, "none");
});
