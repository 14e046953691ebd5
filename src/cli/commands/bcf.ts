// oneplace bcf import | validate | export | list
import { formatPounds } from "../../commissioning/amounts.ts";
import { PlanFormatError } from "../../commissioning/layout.ts";
import type { BcfPlan } from "../../commissioning/plan.ts";
import { formatOf, readActualsFile, readPlanFile, writePlanFile } from "../../commissioning/plan-files.ts";
import {
  listPlanVersions,
  loadPlan,
  NoPlanError,
  saveActuals,
  savePlan,
} from "../../commissioning/plan-store.ts";
import { type PlanFigure, planBesideValues } from "../../commissioning/plan-values.ts";
import { countFindings, type Finding, metricFactsOf, validatePlan } from "../../commissioning/validate.ts";
import { latestDefinitions } from "../../outcomes/definitions.ts";
import { installMeasures, SHIPPED_MEASURES } from "../../outcomes/measures/index.ts";
import type { Db } from "../../store/db.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

async function readPlan(path: string): Promise<BcfPlan> {
  try {
    formatOf(path);
    return await readPlanFile(path);
  } catch (error) {
    if (error instanceof PlanFormatError) {
      throw new CliError(error.message, {
        hint: "See docs/formats/bcf-plan.md for the layout.",
        cause: error,
      });
    }
    if (error instanceof RangeError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

async function storedPlan(
  db: Db,
  planId: unknown,
  version: unknown,
): Promise<{ plan: BcfPlan; version: number }> {
  try {
    return await loadPlan(
      db,
      typeof planId === "string" ? planId : undefined,
      intOption(version as string | undefined, "version", 1, 1_000_000),
    );
  } catch (error) {
    if (error instanceof NoPlanError) {
      throw new CliError(error.message, {
        hint: "Import one with 'oneplace bcf import FILE' (see 'oneplace bcf list').",
      });
    }
    throw error;
  }
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

async function importActuals(path: string, planId: unknown, json: boolean): Promise<number> {
  let actuals: Awaited<ReturnType<typeof readActualsFile>>;
  try {
    actuals = await readActualsFile(path);
  } catch (error) {
    if (error instanceof PlanFormatError || error instanceof RangeError)
      throw new CliError(error.message, { cause: error });
    throw error;
  }
  return withDb(
    async (db) => {
      const { plan } = await storedPlan(db, planId, undefined);
      try {
        const n = await saveActuals(db, plan.header.planId, actuals);
        if (json) outJson({ planId: plan.header.planId, actualsLoaded: n });
        else out(`Loaded ${n} scheme-month(s) of actual spend into ${plan.header.planId}.`);
      } catch (error) {
        if (error instanceof RangeError) throw new CliError(error.message, { cause: error });
        throw error;
      }
      return 0;
    },
    { migrate: true },
  );
}

export const bcfImport: Command = {
  name: "bcf import",
  summary:
    "Import a BCF plan from a workbook or a directory of CSV files as a new version, with its actual spend, and validate it (layout in docs/formats/bcf-plan)",
  usage: "oneplace bcf import FILE.xlsx|DIRECTORY [--json] | oneplace bcf import --actuals FILE [--plan ID]",
  allowPositionals: true,
  options: {
    actuals: {
      type: "boolean",
      description:
        "Import only actual spend (the Actual spend sheet, or a CSV in its layout) into a stored plan's ledger",
    },
    plan: {
      type: "string",
      valueName: "id",
      description: "With --actuals: the plan (default: the only one stored)",
    },
    json: { type: "boolean", description: "Print the result and findings as JSON" },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) {
      throw new CliError("Name one plan to import", { exitCode: EXIT_USAGE, hint: usageHint("bcf import") });
    }
    if (values.actuals) return importActuals(positionals[0], values.plan, values.json === true);
    const plan = await readPlan(positionals[0]);
    return withDb(
      async (db) => {
        await installMeasures(db);
        const saved = await savePlan(db, plan, positionals[0]);
        const findings = validatePlan(plan, metricFactsOf(await latestDefinitions(db)));
        if (values.json) outJson({ ...saved, findings });
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
      { migrate: true },
    );
  },
};

export const bcfValidate: Command = {
  name: "bcf validate",
  summary:
    "Validate a BCF plan (a file, or one stored): totals, ranges, rates against their numerators and denominators, targets against payment dates, risks; and show OnePlace's values beside the plan's.",
  usage:
    "oneplace bcf validate [FILE.xlsx|DIRECTORY] [--plan ID] [--version N] [--no-values] [--strict] [--json]",
  allowPositionals: true,
  options: {
    plan: { type: "string", valueName: "id", description: "A stored plan (default: the only one stored)" },
    version: { type: "string", valueName: "n", description: "Its version (default: the latest)" },
    "no-values": { type: "boolean", description: "Do not compute OnePlace's values beside the plan's" },
    strict: { type: "boolean", description: "Exit with status 1 when there are errors" },
    json: { type: "boolean", description: "Print findings and figures as JSON" },
  },
  async run({ values, positionals }) {
    if (positionals.length > 1)
      throw new CliError("Name at most one plan file", {
        exitCode: EXIT_USAGE,
        hint: usageHint("bcf validate"),
      });
    const fromFile = positionals[0] ? await readPlan(positionals[0]) : null;
    const finish = (
      findings: Finding[],
      figures: { asOf: string | null; figures: PlanFigure[] } | null,
      label: string,
    ) => {
      if (values.json)
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
      return values.strict && countFindings(findings).errors > 0 ? 1 : 0;
    };
    if (fromFile && values["no-values"]) {
      return finish(validatePlan(fromFile, metricFactsOf(SHIPPED_MEASURES)), null, positionals[0]);
    }
    return withDb(
      async (db) => {
        await installMeasures(db);
        const plan = fromFile ?? (await storedPlan(db, values.plan, values.version)).plan;
        const findings = validatePlan(plan, metricFactsOf(await latestDefinitions(db)));
        const figures = values["no-values"] ? null : await planBesideValues(db, plan);
        return finish(
          findings,
          figures,
          fromFile ? positionals[0] : `${plan.header.planId} (${plan.header.title})`,
        );
      },
      { migrate: true },
    );
  },
};

export const bcfExport: Command = {
  name: "bcf export",
  summary:
    "Write a stored BCF plan and its actual spend to a workbook or a directory of CSV files (xlsx or CSV).",
  usage: "oneplace bcf export --out FILE.xlsx|DIRECTORY [--plan ID] [--version N]",
  options: {
    out: { type: "string", valueName: "path", description: "An .xlsx file, or a directory for CSV files" },
    plan: { type: "string", valueName: "id", description: "The plan (default: the only one stored)" },
    version: { type: "string", valueName: "n", description: "Its version (default: the latest)" },
  },
  async run({ values }) {
    if (typeof values.out !== "string")
      throw new CliError("--out is needed", { exitCode: EXIT_USAGE, hint: usageHint("bcf export") });
    try {
      formatOf(values.out);
    } catch (error) {
      throw new CliError((error as Error).message, { exitCode: EXIT_USAGE, hint: usageHint("bcf export") });
    }
    return withDb(
      async (db) => {
        const { plan, version } = await storedPlan(db, values.plan, values.version);
        const files = await writePlanFile(plan, values.out as string);
        out(
          `Wrote ${plan.header.planId} version ${version} to ${files.length === 1 ? files[0] : `${files.length} CSV files in ${values.out}`}.`,
        );
        return 0;
      },
      { migrate: true },
    );
  },
};

export const bcfList: Command = {
  name: "bcf list",
  summary: "List the stored BCF plans and their versions.",
  usage: "oneplace bcf list [--json]",
  options: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ values }) {
    return withDb(
      async (db) => {
        const versions = await listPlanVersions(db);
        if (values.json) outJson(versions);
        else if (versions.length === 0)
          out("No BCF plan has been imported yet ('oneplace bcf import FILE').");
        else {
          const pools = await db.query<{
            plan_id: string;
            version: number;
            financial_year: string;
            minimum: number | null;
            proposed_total: number | null;
          }>(
            "SELECT plan_id, version, financial_year, minimum, proposed_total FROM bcf_allocation ORDER BY 1, 2, 3",
          );
          out(
            versions
              .map((v) => {
                const money = pools
                  .filter((p) => p.plan_id === v.planId && p.version === v.version)
                  .map((p) => `${p.financial_year} minimum ${formatPounds(p.minimum)}`)
                  .join(", ");
                return `${v.planId} version ${v.version}: ${v.title} (${v.versionLabel || v.status}), imported ${v.importedAt.slice(0, 10)} from ${v.importedFrom || "?"}${money ? `; ${money}` : ""}`;
              })
              .join("\n"),
          );
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const BCF_COMMANDS: readonly Command[] = [bcfImport, bcfValidate, bcfExport, bcfList];
