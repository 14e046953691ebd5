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
  /**
   * The region-wide index of this place's person 0 (0 for the first place): person ids, NHS Numbers and source
   * record ids follow it, so they never repeat across a region's places.
   */
  personOffset: number;
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

/** The first place's context: the place the seed alone makes (the whole configuration when it has one place). */
export function createContext(config: SynthConfig): GenerationContext {
  return createRegion(config)[0];
}

/**
 * One context per place of the configuration. The first place is the seed's own; place k (k > 0) draws from
 * the seed "<seed>/place-<k+1>". NHS Numbers are dealt from one deck across the region.
 */
export function createRegion(config: SynthConfig): GenerationContext[] {
  validateSynthConfig(config);
  const historyStart = toDayNumber(config.historyStart);
  const historyEnd = toDayNumber(config.historyEnd);
  const years = (historyEnd - historyStart + 1) / 365.25;
  const conditions = conditionCatalogue();
  const samplers = onsetSamplers(conditions);
  const residents = config.people;
  const arrivals = arrivalsOf(config, years);
  const firstRoot = createRng(config.seed);
  const nhsNumbers = shuffledTestNhsNumbers(firstRoot.fork("nhs-numbers"));
  const contexts: GenerationContext[] = [];
  for (let placeIndex = 0; placeIndex < (config.places ?? 1); placeIndex++) {
    const root = placeIndex === 0 ? firstRoot : createRng(`${config.seed}/place-${placeIndex + 1}`);
    contexts.push({
      config,
      place: buildPlace(config, root.fork("place"), placeIndex),
      personOffset: placeIndex * (residents + arrivals),
      historyStart,
      historyEnd,
      years,
      scale: placeScale(config),
      residents,
      arrivals,
      conditions,
      samplers,
      nhsNumbers,
      root,
    });
  }
  return contexts;
}

function arrivalsOf(config: SynthConfig, years: number): number {
  return Math.round((config.people * (BIRTHS_PER_1000 + IN_MOVERS_PER_1000) * years) / 1000);
}

/** Everyone in the region's history (every place's residents and arrivals), without building the region. */
export function regionPeopleOf(config: SynthConfig): number {
  const years = (toDayNumber(config.historyEnd) - toDayNumber(config.historyStart) + 1) / 365.25;
  return (config.places ?? 1) * (config.people + arrivalsOf(config, years));
}

export function totalPeople(ctx: GenerationContext): number {
  return ctx.residents + ctx.arrivals;
}
