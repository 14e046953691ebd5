import type { Rng } from "../core/rng.ts";

// Who lives in the place: age and sex structure of an outer-London-fringe town in 2012 (a younger population
// than England's, with the post-war bulge in their early sixties), ethnicity (19.1% from Black and minority
// ethnic groups, mostly younger people), and who arrives during the history (births and people moving in).

/** Five-year age bands from 0-4 to 100-104: share of the registered population at the start (per cent). */
const RESIDENT_AGE_BANDS = [
  7.4, 6.6, 6.2, 6.3, 6.4, 7.3, 7.2, 7.0, 7.4, 7.4, 6.6, 5.5, 6.9, 4.0, 3.0, 2.4, 1.6, 1.1, 0.5, 0.15, 0.03,
];
/** People moving in: mostly young adults and their children. */
const IN_MOVER_AGE_BANDS = [8, 6, 4, 6, 16, 16, 11, 8, 6, 5, 4, 3, 2.5, 1.5, 1, 0.8, 0.6, 0.4, 0.2, 0.05, 0];

/** Births and people moving in, per 1,000 registered a year: balances deaths and people moving away. */
export const BIRTHS_PER_1000 = 14;
export const IN_MOVERS_PER_1000 = 37;

function ageFromBands(bands: readonly number[], rng: Rng): number {
  return rng.weightedIndex(bands) * 5 + rng.next() * 5;
}

/** Age in (fractional) years on the first day of the history. */
export function residentAge(rng: Rng): number {
  return ageFromBands(RESIDENT_AGE_BANDS, rng);
}

export function inMoverAge(rng: Rng): number {
  return ageFromBands(IN_MOVER_AGE_BANDS, rng);
}

export function isFemale(age: number, rng: Rng): boolean {
  const share = age < 65 ? 0.5 : age < 75 ? 0.53 : age < 85 ? 0.57 : 0.67;
  return rng.chance(share);
}

// NHS Data Dictionary ethnic category letters other than A (White British), weighted by their share of the
// place's population (per cent); together 19.1%.
const MINORITY_CATEGORIES = ["B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S"];
const MINORITY_WEIGHTS = [0.6, 3.5, 0.5, 0.4, 0.3, 0.4, 1.3, 0.3, 0.4, 1.0, 0.9, 7.8, 0.4, 0.5, 0.8];
/** Share of records with ethnicity "not stated" (Z); they are left out of the BME share. */
const NOT_STATED = 0.03;

function minorityShare(age: number, movedIn: boolean): number {
  if (movedIn) return 0.3;
  if (age < 18) return 0.26;
  if (age < 40) return 0.25;
  if (age < 65) return 0.15;
  return 0.05;
}

export function ethnicCategory(age: number, movedIn: boolean, rng: Rng): string {
  if (rng.chance(NOT_STATED)) return "Z";
  if (!rng.chance(minorityShare(age, movedIn))) return "A";
  return MINORITY_CATEGORIES[rng.weightedIndex(MINORITY_WEIGHTS)];
}

/** People moving out of the place, a year, by age. */
export function moveAwayRate(age: number): number {
  if (age < 18) return 0.032;
  if (age < 35) return 0.068;
  if (age < 65) return 0.03;
  if (age < 85) return 0.014;
  return 0.02;
}
