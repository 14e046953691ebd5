// Defining a place's own metric: the definition's SQL is checked (definition-guard.ts) before it is stored as
// a new version. This is the `defineMetric` other folders get; OnePlace's shipped measures are stored by
// installMeasures without the database check (their tests check them).
import type { Db } from "../store/index.ts";
import { checkDefinitionSql } from "./definition-guard.ts";
import {
  type MetricDefinitionInput,
  defineMetric as storeDefinition,
  validateDefinition,
} from "./definitions.ts";
import { ensurePopulation, readsPopulation } from "./population.ts";

export async function defineMetric(
  db: Db,
  input: MetricDefinitionInput,
): Promise<{ version: number; added: boolean }> {
  validateDefinition(input);
  await checkDefinitionSql(db, input, async (tx, refDate) => {
    if (readsPopulation(input.numeratorSql) || readsPopulation(input.denominatorSql))
      await ensurePopulation(tx, [refDate]);
  });
  return storeDefinition(db, input);
}
