import { toDayNumber } from "../core/dates.ts";
import { createRng, type Rng } from "../core/rng.ts";
import { type ConditionSpec, conditionCatalogue } from "./conditions.ts";
import { placeScale, type SynthConfig, validateSynthConfig } from "./config.ts";
import { type NhsNumberDeck, shuffledTestNhsNumbers } from "./nhs-numbers.ts";
import { type OnsetSampler, onsetSamplers } from "./onset.ts";
import { buildPlace, type Place } from "./place.ts";
import { BIRTHS_PER_1000, IN_MOVERS_PER_1000 } from "./population.ts";

/** Everything shared by all people of one generated place; built once, read-only afterwards. */
export interface GenerationContext {
  config: SynthConfig;
  place: Place;
  /** First and last day (inclusive) of the history, as day numbers. */
  historyStart: number;
  historyEnd: number;
  years: number;
  scale: number;
  /** People registered on the first day; they are persons 0..residents-1. */
  residents: number;
  /** People born or moving in during the history; persons residents..residents+arrivals-1. */
  arrivals: number;
  conditions: readonly ConditionSpec[];
  samplers: readonly OnsetSampler[];
  nhsNumbers: NhsNumberDeck;
  /** The seed's root stream: fork it by label, never draw from it directly after setup. */
  root: Rng;
}

export function createContext(config: SynthConfig): GenerationContext {
  validateSynthConfig(config);
  const root = createRng(config.seed);
  const historyStart = toDayNumber(config.historyStart);
  const historyEnd = toDayNumber(config.historyEnd);
  const years = (historyEnd - historyStart + 1) / 365.25;
  const conditions = conditionCatalogue();
  return {
    config,
    place: buildPlace(config, root.fork("place")),
    historyStart,
    historyEnd,
    years,
    scale: placeScale(config),
    residents: config.people,
    arrivals: Math.round((config.people * (BIRTHS_PER_1000 + IN_MOVERS_PER_1000) * years) / 1000),
    conditions,
    samplers: onsetSamplers(conditions),
    nhsNumbers: shuffledTestNhsNumbers(root.fork("nhs-numbers")),
    root,
  };
}

export function totalPeople(ctx: GenerationContext): number {
  return ctx.residents + ctx.arrivals;
}
