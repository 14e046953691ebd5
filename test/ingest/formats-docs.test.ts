import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CSV_LAYOUTS } from "../../src/ingest/csv/layouts.ts";
import { CODED_FIELDS } from "../../src/ingest/hl7/coded.ts";

test("each CSV layout has its page in docs/formats, naming every column, with an example whose header it accepts", () => {
  for (const layout of CSV_LAYOUTS) {
    const page = readFileSync(new URL(`../../docs/formats/${layout.name}.md`, import.meta.url), "utf8");
    for (const c of layout.columns)
      assert.ok(
        page.includes(`| \`${c.name}\` | ${c.required ? "yes" : "no"} |`),
        `${layout.name}: ${c.name}`,
      );
    const example = /```csv\n([^\n]+)\n/.exec(page);
    assert.ok(example, `${layout.name}: no example`);
    const header = example[1].split(",");
    for (const c of layout.columns.filter((x) => x.required))
      assert.ok(header.includes(c.name), `${layout.name} example lacks ${c.name}`);
  }
});

test("every code map is documented with its field, in the code maps page and the ADT (or FHIR) page's rule per field", () => {
  const codeMaps = readFileSync(new URL("../../docs/formats/code-maps.md", import.meta.url), "utf8");
  const adt = readFileSync(new URL("../../docs/formats/hl7-adt.md", import.meta.url), "utf8");
  const fhir = readFileSync(new URL("../../docs/formats/fhir.md", import.meta.url), "utf8");
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
