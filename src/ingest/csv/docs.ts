import type { ColumnDef } from "./declare.ts";
import * as F from "./fields.ts";
import type { CsvLayout } from "./writers.ts";

// docs/formats/<layout>.md from the layout's declaration: everything but the page's opening paragraph and its
// example, which are written by hand and kept as they are. `node scripts/csv-formats.ts` writes the pages;
// test/ingest/formats-docs.test.ts fails when a page and its declaration disagree.

/** The hand-written parts of a page: what the layout is for, and its example (from `## Example` on). */
export interface HandWritten {
  intro: string;
  example: string;
}

const LOAD_LINE = "Load with `oneplace ingest csv";

export function handWritten(page: string, layout: string): HandWritten {
  const start = page.indexOf("\n\n") + 2;
  const load = page.indexOf(LOAD_LINE);
  const example = page.indexOf("## Example");
  if (start < 2 || load < start || example < load)
    throw new Error(
      `docs/formats/${layout}.md needs a title line, a paragraph on what the layout is for, and an ## Example section`,
    );
  return { intro: page.slice(start, load).trim(), example: page.slice(example).trimEnd() };
}

const PERSON: Record<CsvLayout["person"], string> = {
  people: "",
  linked: " (the person this source's record with that id is linked to)",
  "nhs-number": " (the person who holds that NHS Number)",
  none: "",
};

function storedIn(layout: CsvLayout, c: ColumnDef): string {
  const where = c.storedIn.map((t) => `\`${t}\`${t.endsWith(".person_id") ? PERSON[layout.person] : ""}`);
  for (const d of layout.derived ?? []) {
    if (d.from.includes(c.name)) where.push(`\`${layout.table}.${d.column}\` (${d.description})`);
  }
  return where.join("; ");
}

/** A reason a row's cell could be refused for, as the loader words it: a date if the layout has one. */
function exampleReason(layout: CsvLayout): string {
  const sample = "31/12/2015";
  const column =
    layout.columns.find((c) => c.type === F.date) ??
    layout.columns.find((c) => c.required && !c.type.parse(sample).ok) ??
    layout.columns[0];
  const parsed = column.type.parse(sample);
  return `${layout.name}.csv:7:${column.name}: ${parsed.ok ? "is required" : parsed.problem}`;
}

const WRITERS: Record<CsvLayout["person"], string> = {
  people:
    "Each row is a source record sent through the master person index, which links it to a person and keeps it in",
  linked: "Rows are written to",
  "nhs-number": "Rows are written to",
  none: "Rows are written to",
};

export function renderPage(layout: CsvLayout, hand: HandWritten): string {
  const rows = layout.columns.map(
    (c) =>
      `| \`${c.name}\` | ${c.required ? "yes" : "no"} | ${c.type.describe} | ${c.description} | ${storedIn(layout, c)} |`,
  );
  return `# CSV layout: \`${layout.name}\` (${layout.title})

${hand.intro}

${LOAD_LINE} <file>\` (the layout is recognised from the header; \`--layout ${layout.name}\` names it),
source system \`${layout.defaultSource}\` unless \`--source\` says otherwise.
Each row is identified within its source by \`${layout.recordIdColumn}\`: loading a row again with the same id updates it if it
changed and otherwise leaves it alone, so re-running a file changes nothing.
${WRITERS[layout.person]} \`${layout.table}\`; the last column below says where each value is stored (\`table.column\`).

## Columns

| column | required | type | meaning | stored in |
|---|---|---|---|---|
${rows.join("\n")}

The header must name every required column and no column the layout does not define; columns may come in any
order. Files may start with a byte order mark and use Windows (CRLF) or Unix line ends; fields containing commas,
quotes or line breaks are quoted as RFC 4180 describes. Empty cells are missing values.

## What is rejected

A row that fails a check is not loaded and is kept as a reject (\`oneplace rejects list\`) with its raw line, the
header, and a reason naming file, line, column and problem, e.g. \`${exampleReason(layout)}\`.
Rows with the wrong number of fields, an unclosed quote (a truncated file) or a quote inside an unquoted field are
rejected the same way. Fix the cause (load what the row refers to, or send a corrected row) and run
\`oneplace rejects replay\`.

${hand.example}
`;
}
