// oneplace report board
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { produceBoardReport } from "../../commissioning/index.ts";
import { readSettings } from "../../platform/index.ts";
import { defineCommand, flag, param, path } from "../command.ts";
import { out, outJson } from "../context.ts";
import { invalid, usageError } from "../errors.ts";
import { plan, planVersion } from "../options.ts";

const quarter = param(
  "quarter",
  (value, label) => {
    if (!/^\d{4}-[Qq][1-4]$/.test(value))
      throw usageError(`${label} must be a quarter written YYYY-Qn, e.g. 2015-Q3`);
    return value;
  },
  "The calendar quarter, e.g. 2015-Q3 (July to September 2015, Q2 2015/16)",
  { required: true },
);

function readNarrative(file: string | undefined): string | null {
  if (file === undefined) return null;
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw invalid(
      "cli.read-file",
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export const reportBoard = defineCommand({
  name: "report board",
  summary:
    "Produce the quarterly Health and Wellbeing Board report: metrics against the plan with RAG and trajectory charts, spend, payment at risk, risks and validation findings, as HTML and PDF.",
  options: {
    quarter,
    out: path("Where to write the report (default: $ONEPLACE_HOME/reports)", { valueName: "dir" }),
    plan,
    version: planVersion,
    narrative: path("A text file with the commentary for the board"),
    "no-pdf": flag("Write the HTML only"),
    json: flag("Print the file names and timings as JSON"),
  },
  db: "migrated",
  async run({ options, db }) {
    const narrative = readNarrative(options.narrative);
    const settings = readSettings();
    const outDir = resolve(options.out ?? settings.reportsDir);
    const result = await produceBoardReport(db, {
      quarter: options.quarter,
      planId: options.plan,
      version: options.version,
      narrative,
      outDir,
      pdf: !options["no-pdf"],
      chromium: settings.chromium,
    });
    const s = result.data.summary;
    if (options.json) {
      outJson({
        html: result.html,
        pdf: result.pdf,
        pdfNote: result.pdfNote,
        seconds: result.seconds,
        summary: s,
      });
    } else {
      out(
        [
          `Board report for ${result.data.quarter.label} (${result.data.quarter.start} to ${result.data.quarter.end}), data as at ${result.data.asOf ?? "–"}:`,
          `  HTML: ${result.html}`,
          result.pdf ? `  PDF:  ${result.pdf}` : `  ${result.pdfNote}`,
          `  BCF metrics: ${s.green} green, ${s.amber} amber, ${s.red} red, ${s.noTarget} without a target; ${s.unavailable} measure(s) not available.`,
          `  Plan validation: ${s.errors} error(s), ${s.warnings} warning(s).`,
          `  Produced in ${result.seconds.total.toFixed(1)} s (figures ${result.seconds.data.toFixed(1)} s, PDF ${result.seconds.pdf.toFixed(1)} s).`,
        ].join("\n"),
      );
    }
    return 0;
  },
});
