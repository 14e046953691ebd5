// Writes src/ingest/fhir/r4-shapes.json: for each FHIR R4 type OnePlace reads from XML, its elements with their
// type and whether they repeat. FHIR XML does not say which elements are lists (a single <name> of a Patient is
// still a list in JSON), so converting XML to JSON needs the definitions; these come from the R4 type
// definitions (@types/fhir, a dev dependency). Run after upgrading them:
//   node scripts/fhir-xml-shapes.ts
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const dts = readFileSync(require.resolve("@types/fhir/r4.d.ts"), "utf8");

/** The resources whose XML is converted with their shapes (others are only counted, by their root name). */
const ROOTS = [
  "Bundle",
  "Patient",
  "Practitioner",
  "PractitionerRole",
  "Organization",
  "Location",
  "Encounter",
  "EpisodeOfCare",
  "Condition",
  "Observation",
  "Medication",
  "MedicationRequest",
  "MedicationStatement",
  "AllergyIntolerance",
  "Procedure",
  "Immunization",
  "DiagnosticReport",
];

type Shape = { base?: string; props: Record<string, [string, 0 | 1]> };
const all = new Map<string, Shape>();
for (const m of dts.matchAll(
  /^export interface (\w+)(?:<(\w+)[^>]*>)?(?: extends (\w+)(?:<[^>]*>)?)? \{\n([\s\S]*?)^\}/gm,
)) {
  const props: Shape["props"] = {};
  const generic = m[2];
  for (const p of m[4].matchAll(/^ {2}(?:readonly )?([a-zA-Z]\w*)\??: (.+);$/gm)) {
    const spelled = p[2]
      .replace(/ \| undefined$/, "")
      .replace(/^Array<(.*)>$/, "$1[]")
      .trim();
    const repeats = /\[\]$/.test(spelled) || /^\(.*\)\[\]$/.test(spelled);
    const bare = spelled.replace(/\[\]$/, "").replace(/^\((.*)\)$/, "$1");
    const plain = bare.replace(/<.*>$/, "");
    const type = /^['"]/.test(plain) ? "string" : plain === generic ? "FhirResource" : plain;
    props[p[1]] = [type, repeats ? 1 : 0];
  }
  all.set(m[1], { ...(m[3] ? { base: m[3] } : {}), props });
}

const wanted = new Map<string, Shape>();
const visit = (name: string) => {
  const shape = all.get(name);
  if (!shape || wanted.has(name)) return;
  wanted.set(name, shape);
  if (shape.base) visit(shape.base);
  for (const [type] of Object.values(shape.props)) visit(type);
};
for (const r of ROOTS) visit(r);

const out = Object.fromEntries([...wanted].sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(new URL("../src/ingest/fhir/r4-shapes.json", import.meta.url), `${JSON.stringify(out)}\n`);
process.stdout.write(`${wanted.size} types\n`);
