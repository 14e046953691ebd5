import type { FhirMapping, FhirTable } from "./declare.ts";

// The part of docs/formats/fhir.md that says, column by column, how each declared resource type becomes rows:
// written from the declarations (patient.ts, organization.ts, clinical.ts, encounters.ts, resources.ts) between two markers, the rest of the page by hand.
// `node scripts/fhir-formats.ts` writes it; test/ingest/formats-docs.test.ts fails when page and declarations
// disagree.

export const BEGIN = "<!-- begin: written from the declarations by node scripts/fhir-formats.ts -->";
export const END = "<!-- end: written from the declarations -->";

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const code = (text: string) => (text ? `\`${cell(text)}\`` : "");
const codes = (list: readonly string[]) => list.map((c) => `\`${c}\``).join(", ");

function table(
  resource: string,
  t: FhirTable,
  classes: readonly string[],
  when: string | undefined,
  called: string,
): string {
  const which = [
    classes.length > 0 ? `, ${called} ${codes(classes)}` : "",
    when ? ` (when ${when})` : "",
  ].join("");
  const lines = [`### ${resource}${which} → \`${t.table}\`: ${t.title}`, ""];
  for (const r of t.refuse ?? []) lines.push(`Rejected when ${r.says}.`, "");
  if (t.parts)
    lines.push(
      `Each \`${t.parts.each}\` is a row of its own too (\`source_record_id\` \`<id>#${t.parts.suffix}N\`, N from 1), with ${codes(t.parts.columns)} read from it as below and the rest from the resource.`,
      "",
    );
  lines.push("| column | read from | how |", "|---|---|---|");
  for (const [column, from] of t.columns)
    lines.push(`| \`${column}\` | ${code(from.path)} | ${cell(from.how)} |`);
  if (t.localCode)
    lines.push(
      "",
      `Flagged: ${t.localCode.how}, until a mapping corrects the row ([code maps](code-maps.md), \`oneplace feeds unmapped\`).`,
    );
  return lines.join("\n");
}

/** The generated section: a table per declared reading, in the order declared. */
export function renderMappings(mappings: readonly FhirMapping[]): string {
  const sections: string[] = [];
  for (const m of mappings) {
    for (const r of m.readings) {
      if (!("classes" in r)) {
        sections.push(table(m.resource, r, [], undefined, "class"));
        continue;
      }
      const when = r.when?.says;
      const called = r.called ?? (when ? "kind" : "class");
      for (const c of r.classes) sections.push(table(m.resource, c.read, c.codes, when, called));
      sections.push(`Any other ${called} of ${m.resource} is rejected.`);
    }
    if (m.keptWhenEnteredInError)
      sections.push(
        `${/^[AEIOU]/.test(m.resource) ? "An" : "A"} ${m.resource} marked entered-in-error is stored as any other: nothing is taken out.`,
      );
  }
  return [
    BEGIN,
    "",
    "Columns are read in the order listed: the first that fails gives the reject's reason. The row's id is made from",
    "its `source_system` (the load's source) and `source_record_id`.",
    "",
    sections.join("\n\n"),
    "",
    END,
  ].join("\n");
}

/** The page with its generated section replaced. */
export function withMappings(page: string, mappings: readonly FhirMapping[]): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin)
    throw new Error(
      `docs/formats/fhir.md needs the markers ${BEGIN} and ${END} around the generated section`,
    );
  return page.slice(0, begin) + renderMappings(mappings) + page.slice(end + END.length);
}
