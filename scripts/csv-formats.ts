// Writes docs/formats/<layout>.md for every CSV layout from its declaration (src/ingest/csv/layouts.ts),
// keeping each page's opening paragraph and example as written. Run after changing a layout:
//   node scripts/csv-formats.ts            (writes the pages)
//   node scripts/csv-formats.ts --check    (lists the pages that disagree with their declaration; exit 1)
import { readFileSync, writeFileSync } from "node:fs";
import { handWritten, renderPage } from "../src/ingest/csv/docs.ts";
import { CSV_LAYOUTS } from "../src/ingest/csv/layouts.ts";

const check = process.argv.includes("--check");
const stale: string[] = [];
for (const layout of CSV_LAYOUTS) {
  const path = new URL(`../docs/formats/${layout.name}.md`, import.meta.url);
  const page = readFileSync(path, "utf8");
  const generated = renderPage(layout, handWritten(page, layout.name));
  if (generated === page) continue;
  stale.push(`docs/formats/${layout.name}.md`);
  if (!check) writeFileSync(path, generated);
}
if (check && stale.length > 0) {
  console.error(`Out of date with their CSV layout (run node scripts/csv-formats.ts): ${stale.join(", ")}`);
  process.exit(1);
}
console.log(
  stale.length === 0 ? "docs/formats: every CSV layout page is up to date" : `wrote ${stale.join(", ")}`,
);
