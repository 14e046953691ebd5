import { addDays, addMonths, isIsoDate } from "../../core/dates.ts";
import { financialYearOf } from "../../core/periods.ts";
import { activeModel, listModels, modelByVersion, trainModel } from "../../risk/model.ts";
import { formatModelReport } from "../../risk/model-report.ts";
import { latestActivityDate } from "../../risk/stratify.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

function dateOption(value: string | boolean | undefined, name: string, command: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !isIsoDate(value)) {
    throw new CliError(`--${name} must be a date written YYYY-MM-DD, not "${value}"`, {
      exitCode: EXIT_USAGE,
      hint: usageHint(command),
    });
  }
  return value;
}

export const modelTrain: Command = {
  name: "model train",
  summary:
    "Train the emergency admission risk model on the place's history, validate it on a later year, and keep it as a new version with its report.",
  usage: "oneplace model train [--train-date DATE] [--validate-date DATE] [--json] [--quiet]",
  options: {
    "train-date": {
      type: "string",
      valueName: "date",
      description: "First day of the training outcome year (default: a year before --validate-date)",
    },
    "validate-date": {
      type: "string",
      valueName: "date",
      description: "First day of the validation outcome year (default: the last full year of data)",
    },
    json: { type: "boolean", description: "Print the model and its validation report as JSON" },
    quiet: { type: "boolean", short: "q", description: "No progress messages" },
  },
  async run({ values }) {
    const validateOption = dateOption(values["validate-date"], "validate-date", "model train");
    const trainOption = dateOption(values["train-date"], "train-date", "model train");
    return withDb(
      async (db) => {
        let validate = validateOption;
        if (!validate) {
          const latest = await latestActivityDate(db);
          if (!latest) {
            throw new CliError("There is no activity in the database to train on.", {
              hint: "Load a place first, e.g. 'oneplace synth'.",
            });
          }
          // The last financial year in the data (allowing its last week to be quiet).
          let year = financialYearOf(latest);
          if (year.end > addDays(latest, 7)) year = financialYearOf(addDays(year.start, -1));
          validate = year.start;
        }
        const train = trainOption ?? addMonths(validate, -12);
        const quiet = values.quiet || values.json;
        const model = await trainModel(db, {
          trainIndexDate: train,
          validationIndexDate: validate,
          onStep: (step) => {
            if (!quiet) process.stderr.write(`${step}...\n`);
          },
        });
        if (values.json) outJson(model);
        else out(formatModelReport(model));
        return 0;
      },
      { migrate: true },
    );
  },
};

export const modelReport: Command = {
  name: "model report",
  summary: "Print a model version's validation report: discrimination, calibration and who it finds.",
  usage: "oneplace model report [--version N] [--list] [--json]",
  options: {
    version: {
      type: "string",
      valueName: "N",
      description: "Model version (default: the one in use, the newest)",
    },
    list: { type: "boolean", description: "List every version with its area under the ROC curve" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values }) {
    return withDb(
      async (db) => {
        if (values.list) {
          const models = await listModels(db);
          if (values.json) outJson(models.map(({ spec: _, ...m }) => m));
          else {
            if (models.length === 0) out("No models yet: run 'oneplace model train'.");
            for (const m of models) {
              out(
                `  version ${String(m.version).padStart(3)}  trained ${m.trainedAt.slice(0, 10)}  on ${m.spec.train.indexDate}, validated on ${m.validation.indexDate}: AUC ${m.validation.auc.toFixed(3)}, calibration slope ${m.validation.calibrationSlope.toFixed(2)}`,
              );
            }
          }
          return 0;
        }
        const version = intOption(values.version, "version", 1, 1_000_000);
        const model = version === undefined ? await activeModel(db) : await modelByVersion(db, version);
        if (!model) {
          throw new CliError(
            version === undefined ? "There is no risk model yet." : `There is no model version ${version}.`,
            {
              hint: "Train one with 'oneplace model train'; list versions with 'oneplace model report --list'.",
            },
          );
        }
        if (values.json) outJson(model);
        else out(formatModelReport(model));
        return 0;
      },
      { migrate: true },
    );
  },
};
