// oneplace evaluate; oneplace costs show | set
import {
  COST_IDS,
  evaluateIntervention,
  formatEvaluation,
  INTERVENTIONS,
  OUTCOMES,
  setUnitCost,
  unitCosts,
} from "../../outcomes/index.ts";
import { choice, date, defineCommand, int, number, text } from "../command.ts";
import { out, print } from "../context.ts";
import { usageError } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

export const evaluate = defineCommand({
  name: "evaluate",
  summary:
    "Evaluate an intervention against a matched comparison group: propensity matching, balance, and a difference in differences with its 95% interval.",
  options: {
    intervention: choice(INTERVENTIONS, "The intervention", { valueName: "name", required: true }),
    from: date("First day people could receive it", { required: true }),
    to: date("Last day people could receive it", { required: true }),
    outcome: choice(OUTCOMES, "The outcome (default emergency-admissions)", {
      valueName: "name",
      default: "emergency-admissions",
    }),
    months: choice(["6", "12"], "Follow-up and look-back in months: 6 or 12 (default 12)", { default: "12" }),
    "min-age": int("Youngest age included (default 65)", { min: 0, max: 120 }),
    "as-of": date("Data cut-off (default: the latest activity)"),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    if (options.to < options.from) throw usageError("--to is before --from");
    // When the intervention is not recorded, the capability says so (EvaluationUnavailable, exit 1).
    const result = await evaluateIntervention(db, {
      intervention: options.intervention,
      outcome: options.outcome,
      from: options.from,
      to: options.to,
      months: Number(options.months) as 6 | 12,
      minAge: options["min-age"],
      asOf: options["as-of"],
    });
    return print(options.json, result, formatEvaluation(result));
  },
});

export const costsShow = defineReport({
  name: "costs show",
  summary: "Show the unit costs OnePlace applies (a place edits them with 'oneplace costs set').",
  options: { on: date("The costs valid on this date (default: the latest)"), json },
  load: ({ options, db }) => unitCosts(db, options.on),
  show: (costs) =>
    costs
      .map(
        (c) =>
          `${c.costId.padEnd(22)} £${c.amount.toLocaleString("en-GB").padStart(7)} a ${c.unit.padEnd(10)} from ${c.validFrom}  ${c.label}. ${c.source}`,
      )
      .join("\n"),
});

export const costsSet = defineCommand({
  name: "costs set",
  summary: "Set a unit cost from a date.",
  options: {
    cost: choice(COST_IDS, "The cost", { valueName: "id", required: true }),
    amount: number("The cost of one unit", { valueName: "pounds", min: 0, required: true }),
    from: date("The date it applies from", { required: true }),
    source: text("Where the figure comes from", { required: true }),
  },
  db: "migrated",
  async run({ options, db }) {
    await setUnitCost(db, {
      costId: options.cost,
      amount: options.amount,
      validFrom: options.from,
      source: options.source,
    });
    out(`${options.cost} costs £${options.amount.toLocaleString("en-GB")} from ${options.from}.`);
    return 0;
  },
});
