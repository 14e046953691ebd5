// oneplace bcf import | validate | export | list

import type { BcfPlan } from "../../commissioning/index.ts";
import {
  countFindings,
  type Finding,
  formatOf,
  formatPounds,
  listPlanVersions,
  loadPlan,
  metricFactsOf,
  type PlanFigure,
  planBesideValues,
  planMinimums,
  readActualsFile,
  readPlanFile,
  saveActuals,
  savePlan,
  validatePlan,
  writePlanFile,
} from "../../commissioning/index.ts";
import { installMeasures, latestDefinitions, SHIPPED_MEASURES } from "../../outcomes/index.ts";
import type { Db } from "../../platform/index.ts";
import { defineCommand, flag, param, path, text } from "../command.ts";
import { out, outJson } from "../context.ts";
import { usageError } from "../errors.ts";
import { plan, planVersion } from "../options.ts";
import { defineReport } from "../report.ts";

// A plan file's layout errors (PlanFormatError) and a missing stored plan (NoPlanError) reach the person with
// their hints from src/cli/errors.ts.

async function readPlan(file: string): Promise<BcfPlan> {
  formatOf(file);
  return readPlanFile(file);
}

export function formatFindings(findings: readonly Finding[]): string {
  const sorted = [...findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1,
  );
  const { errors, warnings } = countFindings(findings);
  if (findings.length === 0) return "No findings: every total and rate in the plan is consistent.";
  return [
    `${errors} error(s) (figures that contradict each other), ${warnings} warning(s) (figures missing or incomplete):`,
    ...sorted.map((f) => `  ${f.severity === "error" ? "ERROR  " : "warning"} ${f.where}: ${f.message}`),
  ].join("\n");
}

function num(v: number | null, decimals: number): string {
  return v === null
    ? "–"
    : v.toLocaleString("en-GB", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function formatFigures(figures: readonly PlanFigure[], asOf: string | null): string {
  const shown = figures.filter((f) => f.stated !== null || f.oneplace !== null);
  if (shown.length === 0) return "";
  return [
    `The plan's figures beside OnePlace's${asOf ? ` (data to ${asOf})` : ""}:`,
    `  ${"metric".padEnd(22)} ${"figure".padEnd(9)} ${"period".padEnd(24)} ${"plan".padStart(8)} ${"its parts give".padStart(15)} ${"OnePlace".padStart(10)}  OnePlace numerator / denominator`,
    ...shown.map(
      (f) =>
        `  ${f.metricId.padEnd(22)} ${f.role.padEnd(9)} ${f.period.padEnd(24)} ${(f.printed ?? num(f.stated, f.decimals)).padStart(8)} ${(f.fromParts === null ? "" : `${num(f.fromParts, 1)}${f.check === "mismatch" ? " MISMATCH" : ""}`).padStart(15)} ${num(f.oneplace, f.decimals).padStart(10)}  ${f.oneplaceSource === "computed" ? `${f.oneplaceNumerator} / ${f.oneplaceDenominator}${f.oneplaceStatus === "provisional" ? " (provisional)" : ""}` : f.oneplaceSource === "entered" ? "entered" : "no data"}`,
    ),
  ].join("\n");
}

export const bcfImport = defineCommand({
  name: "bcf import",
  summary:
    "Import a BCF plan from a workbook or a directory of CSV files as a new version, with its actual spend, and validate it (layout in docs/formats/bcf-plan)",
  usage: "oneplace bcf import FILE.xlsx|DIRECTORY [--json] | oneplace bcf import --actuals FILE [--plan ID]",
  args: {
    file: path("The plan: a workbook or a directory of CSV files", {
      valueName: "FILE.xlsx|DIRECTORY",
      required: true,
    }),
  },
  options: {
    actuals: flag(
      "Import only actual spend (the Actual spend sheet, or a CSV in its layout) into a stored plan's ledger",
    ),
    plan: text("With --actuals: the plan (default: the only one stored)", { valueName: "id" }),
    json: flag("Print the result and findings as JSON"),
  },
  db: "migrated",
  async run({ options, args, db }) {
    if (options.actuals) return importActuals(db, args.file, options.plan, options.json);
    const plan = await readPlan(args.file);
    await installMeasures(db);
    const saved = await savePlan(db, plan, args.file);
    const findings = validatePlan(plan, metricFactsOf(await latestDefinitions(db)));
    if (options.json) outJson({ ...saved, findings });
    else {
      out(
        [
          saved.added
            ? `Imported ${plan.header.title} (${plan.header.planId}) as version ${saved.version}: ${plan.schemes.length} schemes, ${plan.metrics.length} metric figures, ${plan.payments.length} payment tranches, ${plan.risks.length} risks.`
            : `${plan.header.planId} is unchanged since version ${saved.version}: nothing new stored.`,
          saved.actualsLoaded ? `Actual spend: ${saved.actualsLoaded} scheme-months loaded.` : "",
          formatFindings(findings),
        ]
          .filter(Boolean)
          .join("\n"),
      );
    }
    return 0;
  },
});

async function importActuals(
  db: Db,
  file: string,
  planId: string | undefined,
  asJson: boolean,
): Promise<number> {
  const actuals = await readActualsFile(file);
  const { plan } = await loadPlan(db, planId, undefined);
  const n = await saveActuals(db, plan.header.planId, actuals);
  if (asJson) outJson({ planId: plan.header.planId, actualsLoaded: n });
  else out(`Loaded ${n} scheme-month(s) of actual spend into ${plan.header.planId}.`);
  return 0;
}

export const bcfValidate = defineCommand({
  name: "bcf validate",
  summary:
    "Validate a BCF plan (a file, or one stored): totals, ranges, rates against their numerators and denominators, targets against payment dates, risks; and show OnePlace's values beside the plan's.",
  args: { file: path("A plan file (default: a stored plan)", { valueName: "FILE.xlsx|DIRECTORY" }) },
  options: {
    plan: text("A stored plan (default: the only one stored)", { valueName: "id" }),
    version: planVersion,
    "no-values": flag("Do not compute OnePlace's values beside the plan's"),
    strict: flag("Exit with status 1 when there are errors"),
    json: flag("Print findings and figures as JSON"),
  },
  db: "depends",
  dbFor: (options, args) => (args.file !== undefined && options["no-values"] ? "none" : "migrated"),
  async run({ options, args, db }) {
    const fromFile = args.file !== undefined ? await readPlan(args.file) : null;
    const finish = (
      findings: Finding[],
      figures: { asOf: string | null; figures: PlanFigure[] } | null,
      label: string,
    ) => {
      if (options.json)
        outJson({ plan: label, findings, figures: figures?.figures ?? [], asOf: figures?.asOf ?? null });
      else {
        out(
          [
            `Validation of ${label}`,
            formatFindings(findings),
            figures ? formatFigures(figures.figures, figures.asOf) : "",
          ]
            .filter(Boolean)
            .join("\n\n"),
        );
      }
      return options.strict && countFindings(findings).errors > 0 ? 1 : 0;
    };
    if (!db)
      return finish(
        validatePlan(fromFile as BcfPlan, metricFactsOf(SHIPPED_MEASURES)),
        null,
        args.file ?? "",
      );
    await installMeasures(db);
    const plan = fromFile ?? (await loadPlan(db, options.plan, options.version)).plan;
    const findings = validatePlan(plan, metricFactsOf(await latestDefinitions(db)));
    const figures = options["no-values"] ? null : await planBesideValues(db, plan);
    return finish(findings, figures, args.file ?? `${plan.header.planId} (${plan.header.title})`);
  },
});

export const bcfExport = defineCommand({
  name: "bcf export",
  summary:
    "Write a stored BCF plan and its actual spend to a workbook or a directory of CSV files (xlsx or CSV).",
  options: {
    out: param(
      "path",
      (value) => {
        try {
          formatOf(value);
        } catch (error) {
          throw usageError((error as Error).message);
        }
        return value;
      },
      "An .xlsx file, or a directory for CSV files",
      { required: true },
    ),
    plan,
    version: planVersion,
  },
  db: "migrated",
  async run({ options, db }) {
    const { plan: stored, version } = await loadPlan(db, options.plan, options.version);
    const files = await writePlanFile(stored, options.out);
    out(
      `Wrote ${stored.header.planId} version ${version} to ${files.length === 1 ? files[0] : `${files.length} CSV files in ${options.out}`}.`,
    );
    return 0;
  },
});

export const bcfList = defineReport({
  name: "bcf list",
  summary: "List the stored BCF plans and their versions.",
  options: { json: flag("Print as JSON") },
  load: ({ db }) => listPlanVersions(db),
  empty: "No BCF plan has been imported yet ('oneplace bcf import FILE').",
  async show(versions, { db }) {
    const pools = await planMinimums(db);
    return versions.map((v) => {
      const money = pools
        .filter((p) => p.planId === v.planId && p.version === v.version)
        .map((p) => `${p.financialYear} minimum ${formatPounds(p.minimum)}`)
        .join(", ");
      return `${v.planId} version ${v.version}: ${v.title} (${v.versionLabel || v.status}), imported ${v.importedAt.slice(0, 10)} from ${v.importedFrom || "?"}${money ? `; ${money}` : ""}`;
    });
  },
});
