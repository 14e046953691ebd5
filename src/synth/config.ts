import { addMonths, isIsoDate, toDayNumber } from "../core/dates.ts";
import { invalid } from "../core/errors.ts";

export interface FaultRates {
  /** Share of social care client records with no NHS Number. */
  socialCareMissingNhsNumber: number;
  /** Share of social care client records whose NHS Number was keyed wrongly. */
  socialCareMistypedNhsNumber: number;
  /** Share of social care client records with the name spelt another way (nickname, misspelling, swapped). */
  nameVariant: number;
  /** Share of social care clients who also have a second, duplicate client record. */
  duplicateSocialCareRecord: number;
  /** Share of hospital (acute PAS) records with no NHS Number. */
  hospitalMissingNhsNumber: number;
}

export interface SynthConfig {
  seed: string;
  /** Registered population at the start of the history (of each place, in a region). */
  people: number;
  /**
   * How many places to make at once, a region (default 1). Each has its own organisations, areas and people,
   * and `people` registered; the first is the place the seed alone makes.
   */
  places?: number;
  /** First day of the history, YYYY-MM-DD. */
  historyStart: string;
  /** Last day of the history (inclusive), YYYY-MM-DD. */
  historyEnd: string;
  faults: FaultRates;
}

/** Thurrock's registered population in its 2014 plan: the scale the calibration targets are quoted at. */
export const THURROCK_REGISTERED_PEOPLE = 165_996;

export const DEFAULT_SYNTH_CONFIG: SynthConfig = Object.freeze({
  seed: "thurrock",
  people: THURROCK_REGISTERED_PEOPLE,
  historyStart: "2012-04-01",
  historyEnd: "2016-03-31",
  faults: Object.freeze({
    socialCareMissingNhsNumber: 0.1,
    socialCareMistypedNhsNumber: 0.05,
    nameVariant: 0.05,
    duplicateSocialCareRecord: 0.02,
    hospitalMissingNhsNumber: 0.01,
  }),
});

export const MIN_PEOPLE = 100;
export const MAX_PEOPLE = 2_000_000;
/** Each place's localities take 4 of the 99 synthetic locality codes. */
export const MAX_PLACES = 24;
/**
 * Registered people in a whole region. With those born or moving in (about a fifth more over four years) they
 * stay under 5 million, where the social care client ids of duplicate records (source-records.ts) would
 * start to repeat, and well within the 10 million synthetic NHS Numbers.
 */
export const MAX_REGION_PEOPLE = 4_000_000;

/** Throws an invalid OnePlaceError saying what to change when the configuration cannot make a sensible place. */
export function validateSynthConfig(c: SynthConfig): void {
  if (typeof c.seed !== "string" || c.seed.length === 0) {
    throw invalid("synth.config", 'seed must be a non-empty string, e.g. "thurrock"');
  }
  if (!Number.isInteger(c.people) || c.people < MIN_PEOPLE || c.people > MAX_PEOPLE) {
    throw invalid(
      "synth.config",
      `people must be a whole number from ${MIN_PEOPLE} to ${MAX_PEOPLE.toLocaleString("en-GB")}, got ${c.people}`,
    );
  }
  for (const [name, value] of [
    ["historyStart", c.historyStart],
    ["historyEnd", c.historyEnd],
  ] as const) {
    if (!isIsoDate(value)) {
      throw invalid(
        "synth.config",
        `${name} must be a calendar date written YYYY-MM-DD, e.g. 2012-04-01, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (c.historyStart >= c.historyEnd) {
    throw invalid(
      "synth.config",
      `historyStart (${c.historyStart}) must be before historyEnd (${c.historyEnd})`,
    );
  }
  const oneYearOn = toDayNumber(addMonths(c.historyStart, 12)) - 1;
  if (toDayNumber(c.historyEnd) < oneYearOn) {
    throw invalid(
      "synth.config",
      `The history must cover at least one year: with historyStart ${c.historyStart}, historyEnd must be ${addMonths(c.historyStart, 12)} minus a day or later, got ${c.historyEnd}`,
    );
  }
  if (c.historyStart < "1950-01-01" || c.historyEnd > "2100-12-31") {
    throw invalid("synth.config", "The history must lie between 1950-01-01 and 2100-12-31");
  }
  if (typeof c.faults !== "object" || c.faults === null) {
    throw invalid("synth.config", "faults must give a rate for each kind of data fault");
  }
  for (const key of Object.keys(DEFAULT_SYNTH_CONFIG.faults) as (keyof FaultRates)[]) {
    const rate = c.faults[key];
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
      throw invalid(
        "synth.config",
        `faults.${key} must be a proportion from 0 to 1 (e.g. 0.05 for 5%), got ${rate}`,
      );
    }
  }
  const places = c.places ?? 1;
  if (!Number.isInteger(places) || places < 1 || places > MAX_PLACES) {
    throw invalid("synth.config", `places must be a whole number from 1 to ${MAX_PLACES}, got ${c.places}`);
  }
  if (c.people * places > MAX_REGION_PEOPLE) {
    throw invalid(
      "synth.config",
      `A region of ${places} places of ${c.people.toLocaleString("en-GB")} people is ${(c.people * places).toLocaleString("en-GB")} people; at most ${MAX_REGION_PEOPLE.toLocaleString("en-GB")} fit (fewer places or fewer people per place)`,
    );
  }
  if (c.faults.socialCareMissingNhsNumber + c.faults.socialCareMistypedNhsNumber > 1) {
    throw invalid(
      "synth.config",
      "faults.socialCareMissingNhsNumber + faults.socialCareMistypedNhsNumber cannot exceed 1: a record's NHS Number is either missing or mistyped, not both",
    );
  }
}

/** Thurrock's care homes in its plans; a place has them in proportion to its size. */
const THURROCK_CARE_HOMES = 30;

/**
 * Care homes in each place: in proportion, at least 4. A region's stay within the 999 synthetic care-home codes
 * (at most about 730 in MAX_REGION_PEOPLE, 96 in 24 small places).
 */
export function careHomesPerPlace(c: SynthConfig): number {
  return Math.min(999, Math.max(4, Math.round(THURROCK_CARE_HOMES * placeScale(c))));
}

/** How many times bigger than Thurrock each configured place is. */
export function placeScale(c: SynthConfig): number {
  return c.people / THURROCK_REGISTERED_PEOPLE;
}

/** How many times bigger than Thurrock everything configured is (all places); calibration targets scale by it. */
export function regionScale(c: SynthConfig): number {
  return placeScale(c) * (c.places ?? 1);
}
