// oneplace report board
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { produceBoardReport } from "../../commissioning/report/board-report.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

export const reportBoard: Command = {
  name: "report board",
  summary:
    "Produce the quarterly Health and Wellbeing Board report: metrics against the plan with RAG and trajectory charts, spend, payment at risk, risks and validation findings, as HTML and PDF.",
  usage:
    "oneplace report board --quarter YYYY-Qn [--out DIR] [--plan ID] [--version N] [--narrative FILE] [--no-pdf] [--json]",
  options: {
    quarter: {
      type: "string",
      valueName: "quarter",
      description: "The calendar quarter, e.g. 2015-Q3 (July to September 2015, Q2 2015/16)",
    },
    out: {
      type: "string",
      valueName: "dir",
      description: "Where to write the report (default: $ONEPLACE_HOME/reports)",
    },
    plan: { type: "string", valueName: "id", description: "The BCF plan (default: the only one stored)" },
    version: { type: "string", valueName: "n", description: "The plan version (default: the latest)" },
    narrative: {
      type: "string",
      valueName: "file",
      description: "A text file with the commentary for the board",
    },
    "no-pdf": { type: "boolean", description: "Write the HTML only" },
    json: { type: "boolean", description: "Print the file names and timings as JSON" },
  },
  async run({ values }) {
    if (typeof values.quarter !== "string" || !/^\d{4}-[Qq][1-4]$/.test(values.quarter)) {
      throw new CliError("--quarter must be a quarter written YYYY-Qn, e.g. 2015-Q3", {
        exitCode: EXIT_USAGE,
        hint: usageHint("report board"),
      });
    }
    let narrative: string | null = null;
    if (typeof values.narrative === "string") {
      try {
        narrative = readFileSync(values.narrative, "utf8").trim();
      } catch (error) {
        throw new CliError(
          `Cannot read ${values.narrative}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
    }
    const outDir = resolve(
      typeof values.out === "string"
        ? values.out
        : resolve(process.env.ONEPLACE_HOME?.trim() || ".oneplace", "reports"),
    );
    return withDb(
      async (db) => {
        const result = await produceBoardReport(db, {
          quarter: values.quarter as string,
          planId: typeof values.plan === "string" ? values.plan : undefined,
          version: intOption(values.version, "version", 1, 1_000_000),
          narrative,
          outDir,
          pdf: values["no-pdf"] !== true,
        });
        const s = result.data.summary;
        if (values.json) {
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
      { migrate: true },
    );
  },
};

export const REPORT_COMMANDS: readonly Command[] = [reportBoard];
