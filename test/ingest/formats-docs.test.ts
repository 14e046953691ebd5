import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CSV_LAYOUTS } from "../../src/ingest/csv/layouts.ts";

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
