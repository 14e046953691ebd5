import { addDays, addMonths, financialYearOf } from "../../core/index.ts";
import {
  activeModel,
  formatModelReport,
  latestActivityDate,
  listModels,
  modelByVersion,
  trainModel,
} from "../../risk/index.ts";
import { date, defineCommand, flag, int } from "../command.ts";
import { out, outJson, print } from "../context.ts";
import { notFound, unavailable } from "../errors.ts";
import { json, quiet } from "../options.ts";

export const modelTrain = defineCommand({
  name: "model train",
  summary:
    "Train the emergency admission risk model on the place's history, validate it on a later year, and keep it as a new version with its report.",
  options: {
    "train-date": date("First day of the training outcome year (default: a year before --validate-date)"),
    "validate-date": date("First day of the validation outcome year (default: the last full year of data)"),
    json,
    quiet,
  },
  db: "migrated",
  async run({ options, db }) {
    let validate = options["validate-date"];
    if (!validate) {
      const latest = await latestActivityDate(db);
      if (!latest) {
        throw unavailable("cli.no-activity", "There is no activity in the database to train on.", {
          hint: "Load a place first, e.g. 'oneplace synth'.",
        });
      }
      // The last financial year in the data (allowing its last week to be quiet).
      let year = financialYearOf(latest);
      if (year.end > addDays(latest, 7)) year = financialYearOf(addDays(year.start, -1));
      validate = year.start;
    }
    const quietly = options.quiet || options.json;
    const model = await trainModel(db, {
      trainIndexDate: options["train-date"] ?? addMonths(validate, -12),
      validationIndexDate: validate,
      onStep: (step) => {
        if (!quietly) process.stderr.write(`${step}...\n`);
      },
    });
    return print(options.json, model, formatModelReport(model));
  },
});

export const modelReport = defineCommand({
  name: "model report",
  summary: "Print a model version's validation report: discrimination, calibration and who it finds.",
  options: {
    version: int("Model version (default: the one in use, the newest)", { min: 1, max: 1_000_000 }),
    list: flag("List every version with its area under the ROC curve"),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    if (options.list) {
      const models = await listModels(db);
      if (options.json) outJson(models.map(({ spec: _, ...m }) => m));
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
    const { version } = options;
    const model = version === undefined ? await activeModel(db) : await modelByVersion(db, version);
    if (!model) {
      throw notFound(
        "cli.no-model",
        version === undefined ? "There is no risk model yet." : `There is no model version ${version}.`,
        { hint: "Train one with 'oneplace model train'; list versions with 'oneplace model report --list'." },
      );
    }
    return print(options.json, model, formatModelReport(model));
  },
});
