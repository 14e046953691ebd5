import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { handWritten, renderPage } from "../../src/ingest/csv/docs.ts";
import { CSV_LAYOUTS } from "../../src/ingest/csv/layouts.ts";
import { type CsvSession, checkHeader, checkRow } from "../../src/ingest/csv/load.ts";
import { parseCsvText } from "../../src/ingest/csv/reader.ts";
import { CONDITION } from "../../src/ingest/fhir/clinical.ts";
import type { FhirTable } from "../../src/ingest/fhir/declare.ts";
import { withMappings } from "../../src/ingest/fhir/docs.ts";
import { always } from "../../src/ingest/fhir/extract.ts";
import { FHIR_DECLARATIONS } from "../../src/ingest/fhir/resources.ts";
import { CODED_FIELDS } from "../../src/ingest/hl7/coded.ts";

const page = (name: string) =>
  readFileSync(new URL(`../../docs/formats/${name}.md`, import.meta.url), "utf8");

test("each CSV layout's page in docs/formats is its declaration written out (node scripts/csv-formats.ts)", () => {
  for (const layout of CSV_LAYOUTS) {
    const written = page(layout.name);
    assert.equal(
      written,
      renderPage(layout, handWritten(written, layout.name)),
      `docs/formats/${layout.name}.md`,
    );
  }
});

test("a page that disagrees with its declaration is caught: a column's type, whether it is required, where it is stored", () => {
  const layout = CSV_LAYOUTS.find((l) => l.name === "gp-registrations");
  assert.ok(layout);
  const written = page(layout.name);
  const rendered = (l: typeof layout) => renderPage(l, handWritten(written, l.name));
  const changed = (column: string, change: object) => ({
    ...layout,
    columns: layout.columns.map((c) => (c.name === column ? { ...c, ...change } : c)),
  });
  assert.notEqual(rendered(changed("deregistered_on", { required: true })), written);
  assert.notEqual(rendered(changed("practice_code", { storedIn: ["registration.registered_on"] })), written);
  assert.notEqual(rendered(changed("registered_on", { description: "When" })), written);
  assert.notEqual(rendered({ ...layout, columns: layout.columns.slice(0, -1) }), written);
});

test("the FHIR page says column by column what its mapping declarations read (node scripts/fhir-formats.ts)", () => {
  const written = page("fhir");
  assert.equal(written, withMappings(written, FHIR_DECLARATIONS), "docs/formats/fhir.md");
  for (const m of FHIR_DECLARATIONS) assert.ok(written.includes(`### ${m.resource}`), m.resource);
  const condition = CONDITION.readings[0] as FhirTable;
  const changed = FHIR_DECLARATIONS.map((m) =>
    m === CONDITION
      ? {
          ...m,
          readings: [{ ...condition, columns: [...condition.columns, ["unit", always("mg")] as const] }],
        }
      : m,
  );
  assert.notEqual(withMappings(written, changed), written);
});

test("each page's example loads: its header is the layout's and every row passes the loader's checks", () => {
  for (const layout of CSV_LAYOUTS) {
    const example = /## Example\n\n```csv\n([\s\S]*?)```/.exec(page(layout.name));
    assert.ok(example, `${layout.name}: no example`);
    const [header, ...rows] = parseCsvText(example[1], 1, true).records;
    assert.equal(
      checkHeader(header.fields, "example.csv"),
      layout,
      `${layout.name}: the header is another layout's`,
    );
    assert.ok(rows.length > 0, `${layout.name}: the example has no rows`);
    const session: CsvSession = {
      layout,
      sourceSystem: layout.defaultSource,
      orgCode: null,
      origin: "example.csv",
      sha: "example",
      header: header.fields,
      headerLine: header.raw,
      loadId: null,
    };
    for (const r of rows) {
      const checked = checkRow(session, r.fields, r.line, r.raw);
      assert.ok(
        "row" in checked,
        `${layout.name} example line ${r.line}: ${"reject" in checked ? checked.reject.reason : ""}`,
      );
    }
  }
});

test("every code map is documented with its field, in the code maps page and the ADT (or FHIR) page's rule per field", () => {
  const codeMaps = page("code-maps");
  const adt = page("hl7-adt");
  const fhir = page("fhir");
  for (const f of Object.values(CODED_FIELDS)) {
    if ("format" in f && f.format === "fhir") {
      assert.ok(codeMaps.includes(`| \`${f.map}\` | ${f.field} `), `code-maps.md: ${f.map}`);
      assert.ok(fhir.includes(`\`${f.map}\` code map`), `fhir.md: ${f.map}`);
      continue;
    }
    const field = f.field.split(".")[0];
    assert.match(
      codeMaps,
      new RegExp(`\\| \`${f.map}\` \\| ${field.replace("-", "\\-")}`),
      `code-maps.md: ${f.map}`,
    );
    assert.match(
      adt,
      new RegExp(`\\| ${field.replace("-", "\\-")}[^|]*\\| \`${f.map}\` \\|`),
      `hl7-adt.md: ${f.map}`,
    );
  }
});
