// Writes the generated section of docs/formats/fhir.md (how each declared resource type becomes rows, column by
// column) from the declarations (src/ingest/fhir/clinical.ts, encounters.ts, resources.ts), keeping the rest of the page as
// written. Run after changing a declaration:
//   node scripts/fhir-formats.ts            (writes the page)
//   node scripts/fhir-formats.ts --check    (exit 1 when the page disagrees with the declarations)
import { readFileSync, writeFileSync } from "node:fs";
import { withMappings } from "../src/ingest/fhir/docs.ts";
import { FHIR_DECLARATIONS } from "../src/ingest/fhir/resources.ts";

const path = new URL("../docs/formats/fhir.md", import.meta.url);
const page = readFileSync(path, "utf8");
const generated = withMappings(page, FHIR_DECLARATIONS);
if (generated === page) console.log("docs/formats/fhir.md is up to date with the FHIR mapping declarations");
else if (process.argv.includes("--check")) {
  console.error(
    "docs/formats/fhir.md is out of date with the FHIR mapping declarations (run node scripts/fhir-formats.ts)",
  );
  process.exit(1);
} else {
  writeFileSync(path, generated);
  console.log("wrote docs/formats/fhir.md");
}
