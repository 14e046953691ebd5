// oneplace evaluate; oneplace costs show | set

import { isIsoDate } from "../../core/dates.ts";
import { OnePlaceError } from "../../core/errors.ts";
import { COST_IDS, setUnitCost, unitCosts } from "../../outcomes/costs.ts";
import {
  EvaluationUnavailable,
  INTERVENTIONS,
  type Intervention,
  OUTCOMES,
  type Outcome,
} from "../../outcomes/evaluation/cohorts.ts";
import { evaluateIntervention } from "../../outcomes/evaluation/evaluate.ts";
import { formatEvaluation } from "../../outcomes/evaluation/format.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

function usage(message: string, command: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE, hint: usageHint(command) });
}

function date(value: unknown, name: string, command: string): string {
  if (typeof value !== "string" || !isIsoDate(value))
    throw usage(`--${name} must be a date written YYYY-MM-DD`, command);
  return value;
}

export const evaluate: Command = {
  name: "evaluate",
  summary:
    "Evaluate an intervention against a matched comparison group: propensity matching, balance, and a difference in differences with its 95% interval.",
  usage:
    "oneplace evaluate --intervention reablement|telecare|joint-care-plan|mdt-review --from DATE --to DATE [--outcome emergency-admissions|care-home-admission|cost] [--months 6|12] [--min-age N] [--json]",
  options: {
    intervention: { type: "string", valueName: "name", description: `One of ${INTERVENTIONS.join(", ")}` },
    from: { type: "string", valueName: "date", description: "First day people could receive it" },
    to: { type: "string", valueName: "date", description: "Last day people could receive it" },
    outcome: {
      type: "string",
      valueName: "name",
      description: `One of ${OUTCOMES.join(", ")} (default emergency-admissions)`,
    },
    months: {
      type: "string",
      valueName: "n",
      description: "Follow-up and look-back in months: 6 or 12 (default 12)",
    },
    "min-age": { type: "string", valueName: "n", description: "Youngest age included (default 65)" },
    "as-of": {
      type: "string",
      valueName: "date",
      description: "Data cut-off (default: the latest activity)",
    },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ values }) {
    const cmd = "evaluate";
    const intervention = values.intervention as Intervention;
    if (!INTERVENTIONS.includes(intervention))
      throw usage(`--intervention must be one of ${INTERVENTIONS.join(", ")}`, cmd);
    const outcome = (values.outcome ?? "emergency-admissions") as Outcome;
    if (!OUTCOMES.includes(outcome)) throw usage(`--outcome must be one of ${OUTCOMES.join(", ")}`, cmd);
    const months = intOption(values.months, "months", 6, 12) ?? 12;
    if (months !== 6 && months !== 12) throw usage("--months must be 6 or 12", cmd);
    const from = date(values.from, "from", cmd);
    const to = date(values.to, "to", cmd);
    if (to < from) throw usage("--to is before --from", cmd);
    const minAge = intOption(values["min-age"], "min-age", 0, 120);
    const asOf = values["as-of"] === undefined ? undefined : date(values["as-of"], "as-of", cmd);
    return withDb(
      async (db) => {
        try {
          const result = await evaluateIntervention(db, {
            intervention,
            outcome,
            from,
            to,
            months,
            minAge,
            asOf,
          });
          if (values.json) outJson(result);
          else out(formatEvaluation(result));
          return 0;
        } catch (error) {
          if (error instanceof EvaluationUnavailable) throw new CliError(error.message, { cause: error });
          throw error;
        }
      },
      { migrate: true },
    );
  },
};

export const costsShow: Command = {
  name: "costs show",
  summary: "Show the unit costs OnePlace applies (a place edits them with 'oneplace costs set').",
  usage: "oneplace costs show [--on DATE] [--json]",
  options: {
    on: {
      type: "string",
      valueName: "date",
      description: "The costs valid on this date (default: the latest)",
    },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values }) {
    const on = values.on === undefined ? undefined : date(values.on, "on", "costs show");
    return withDb(
      async (db) => {
        const costs = await unitCosts(db, on);
        if (values.json) outJson(costs);
        else {
          out(
            costs
              .map(
                (c) =>
                  `${c.costId.padEnd(22)} £${c.amount.toLocaleString("en-GB").padStart(7)} a ${c.unit.padEnd(10)} from ${c.validFrom}  ${c.label}. ${c.source}`,
              )
              .join("\n"),
          );
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const costsSet: Command = {
  name: "costs set",
  summary: "Set a unit cost from a date.",
  usage: "oneplace costs set --cost ID --amount POUNDS --from DATE --source TEXT",
  options: {
    cost: { type: "string", valueName: "id", description: `One of ${COST_IDS.join(", ")}` },
    amount: { type: "string", valueName: "pounds", description: "The cost of one unit" },
    from: { type: "string", valueName: "date", description: "The date it applies from" },
    source: { type: "string", valueName: "text", description: "Where the figure comes from" },
  },
  async run({ values }) {
    const cmd = "costs set";
    if (typeof values.cost !== "string" || typeof values.source !== "string")
      throw usage("--cost and --source are needed", cmd);
    const amount = Number(String(values.amount ?? "").replace(/[£,]/g, ""));
    if (values.amount === undefined || !Number.isFinite(amount) || amount < 0)
      throw usage("--amount must be a sum of 0 or more", cmd);
    const from = date(values.from, "from", cmd);
    return withDb(
      async (db) => {
        try {
          await setUnitCost(db, {
            costId: values.cost as string,
            amount,
            validFrom: from,
            source: values.source as string,
          });
        } catch (error) {
          if (error instanceof OnePlaceError) throw usage(error.message, cmd);
          throw error;
        }
        out(`${values.cost} costs £${amount.toLocaleString("en-GB")} from ${from}.`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const EVALUATE_COMMANDS: readonly Command[] = [evaluate, costsShow, costsSet];
