import type { Rng } from "../core/rng.ts";
import type { GenerationContext } from "./context.ts";
import { uuidFromWords } from "./fast-uuid.ts";
import { deathRate, type RiskState } from "./hazards.ts";
import { type RepeatMedicine, repeatMedicines } from "./medicines.ts";
import { type PersonName, pickName } from "./names.ts";
import { type Onset, onsetAge } from "./onset.ts";
import {
  BIRTHS_PER_1000,
  ethnicCategory,
  IN_MOVERS_PER_1000,
  inMoverAge,
  isFemale,
  residentAge,
} from "./population.ts";

// A person's fixed characteristics and latent health: who they are, where they live, and when each
// condition starts. The life simulation (life.ts) then decides what happens to them.

const DAYS_PER_YEAR = 365.25;

export type SmokingStatus = "never" | "ex" | "current";

export interface PersonBase {
  /** The person's index across the region (the place's offset plus their index in their place). */
  index: number;
  id: string;
  female: boolean;
  birthDay: number;
  ethnicCategory: string;
  name: PersonName;
  nhsNumber: string | null;
  arrival: "resident" | "birth" | "moved-in";
  /** First day in the place's history (the history start for residents). */
  arrivalDay: number;
  /** Day of first registration with a practice in the place (before the history for most residents). */
  registeredSince: number;
  practiceIndex: number;
  areaIndex: number;
  postcode: string;
  /** Persistent frailty propensity, standard normal: drives conditions, admissions and death. */
  frailty: number;
  /** Extra propensity to use hospitals that shows only through past activity (normal, mean 0). */
  admissionPropensity: number;
  /** -1 (least deprived decile) to +1 (most deprived). */
  deprivation: number;
  smoking: SmokingStatus;
  bmi: number;
  /** Condition onsets up to the end of the history, earliest first. */
  onsets: Onset[];
  /** Repeat medicines the conditions bring, earliest first. */
  medicines: RepeatMedicine[];
}

/**
 * A person id: a version-4-shaped UUID whose first 32 bits rise with the person index and whose other bits
 * come from the person's random stream. Loading people in index order then appends to every primary-key
 * index (person_id leads them all), which loads about a quarter faster on a server than random ids.
 */
export function personId(index: number, idRng: Rng): string {
  return uuidFromWords((index * 1073) >>> 0, idRng.nextUint32(), idRng.nextUint32(), idRng.nextUint32());
}

const SURVIVAL_FROM_AGE = 40;
/** Spread of the hospital-use propensity, which shows only through past activity (hazards.ts). */
const ADMISSION_PROPENSITY_SD = 0.85;
const MAX_HEALTH_DRAWS = 40;
const HEALTHIEST_FRAILTY = -2;

/**
 * What survival from age 40 to `untilDay` takes apart from the health history: each year's day and share of a
 * year, and the hazard of someone of the same age with no deficits and very low frailty. Made once a person:
 * their health is drawn again and again until it survives (createPersonBase), and this part never changes.
 */
interface SurvivalYears {
  days: number[];
  shares: number[];
  healthiest: number;
  state: RiskState;
}

function survivalYears(
  birthDay: number,
  untilDay: number,
  female: boolean,
  deprivation: number,
): SurvivalYears {
  const days: number[] = [];
  const shares: number[] = [];
  let healthiest = 0;
  const lastAge = ageInYears(birthDay, untilDay);
  const state: RiskState = {
    age: 0,
    female,
    deficits: 0,
    ltcs: 0,
    frailty: HEALTHIEST_FRAILTY,
    admissionPropensity: 0,
    deprivation,
    inCareHome: false,
    dementia: false,
    falls: false,
  };
  for (let age = SURVIVAL_FROM_AGE; age < lastAge; age++) {
    days.push(birthDay + Math.floor(age * DAYS_PER_YEAR));
    const years = Math.min(1, lastAge - age);
    shares.push(years);
    state.age = age;
    healthiest += deathRate(state) * years;
  }
  return { days, shares, healthiest, state };
}

/**
 * Survival from age 40 to the years' end for this health history, relative to that of someone of the same age
 * with no deficits and very low frailty (so the ratio is a probability for almost everyone).
 */
function relativeSurvival(years: SurvivalYears, frailty: number, onsets: readonly Onset[]): number {
  const deficits = new Set<string>();
  const state = years.state;
  state.frailty = frailty;
  let pointer = 0;
  let hazard = 0;
  for (let i = 0; i < years.days.length; i++) {
    const day = years.days[i];
    while (pointer < onsets.length && onsets[pointer].day <= day)
      deficits.add(onsets[pointer++].spec.deficitId);
    state.age = SURVIVAL_FROM_AGE + i;
    state.deficits = deficits.size;
    hazard += deathRate(state) * years.shares[i];
  }
  return Math.min(1, Math.exp(years.healthiest - hazard));
}

export function ageInYears(birthDay: number, day: number): number {
  return (day - birthDay) / DAYS_PER_YEAR;
}

function pickPractice(ctx: GenerationContext, rng: Rng): number {
  let u = rng.next();
  const practices = ctx.place.practices;
  for (const p of practices) {
    if (u < p.listShare) return p.index;
    u -= p.listShare;
  }
  return practices.length - 1;
}

/** Each locality's areas' weights, made once a place (not once a person). */
const areaWeights = new WeakMap<readonly { weight: number }[], number[]>();

/** An area in the practice's locality (most people live near their practice) and a postcode in it. */
function pickHome(
  ctx: GenerationContext,
  practiceIndex: number,
  rng: Rng,
): { areaIndex: number; postcode: string } {
  const locality = ctx.place.practices[practiceIndex].localityIndex;
  const areas = ctx.place.areasByLocality[locality];
  let weights = areaWeights.get(areas);
  if (!weights) {
    weights = areas.map((a) => a.weight);
    areaWeights.set(areas, weights);
  }
  const area = areas[rng.weightedIndex(weights)];
  return { areaIndex: area.index, postcode: rng.pick(area.postcodes) };
}

function smokingStatus(age: number, deprivation: number, rng: Rng): SmokingStatus {
  if (age < 16) return "never";
  const current = (age < 35 ? 0.255 : age < 65 ? 0.235 : 0.13) * (1 + 0.3 * deprivation);
  const ex = age < 35 ? 0.12 : age < 65 ? 0.25 : 0.42;
  const u = rng.next();
  return u < current ? "current" : u < current + ex ? "ex" : "never";
}

function bodyMassIndex(age: number, deprivation: number, rng: Rng): number {
  const mean = age < 18 ? 19 + age * 0.25 : age < 30 ? 25.2 : age < 65 ? 27.3 : 27.0;
  return Math.round(Math.max(15, rng.normal(mean + 0.6 * deprivation, age < 18 ? 3 : 4.9)) * 10) / 10;
}

export function createPersonBase(ctx: GenerationContext, index: number, rng: Rng, idRng: Rng): PersonBase {
  const { historyStart, historyEnd } = ctx;
  let arrival: PersonBase["arrival"] = "resident";
  let arrivalDay = historyStart;
  let ageAtArrival: number;
  if (index < ctx.residents) {
    ageAtArrival = residentAge(rng);
  } else {
    arrivalDay = historyStart + 1 + rng.int(historyEnd - historyStart);
    const birth = rng.chance(BIRTHS_PER_1000 / (BIRTHS_PER_1000 + IN_MOVERS_PER_1000));
    arrival = birth ? "birth" : "moved-in";
    ageAtArrival = birth ? 0 : inMoverAge(rng);
  }
  const birthDay =
    arrival === "birth" ? arrivalDay : arrivalDay - Math.floor(ageAtArrival * DAYS_PER_YEAR) - 1;
  const female = isFemale(ageAtArrival, rng);
  const ethnic = ethnicCategory(ageAtArrival, arrival === "moved-in", rng);
  const birthYear = 1970 + Math.floor(birthDay / DAYS_PER_YEAR);
  const practiceIndex = pickPractice(ctx, rng);
  const home = pickHome(ctx, practiceIndex, rng);
  const decile = ctx.place.areas[home.areaIndex].imdDecile;
  const deprivation = (5.5 - decile) / 4.5;
  const registeredSince =
    arrival === "resident"
      ? Math.max(birthDay + 7 + rng.int(35), historyStart - 1 - rng.int(Math.round(25 * DAYS_PER_YEAR)))
      : arrival === "birth"
        ? Math.min(historyEnd, arrivalDay + 7 + rng.int(35))
        : arrivalDay;
  const ageAtEnd = ageInYears(birthDay, historyEnd);
  const smoking = smokingStatus(ageAtEnd, deprivation, rng);
  const bmi = bodyMassIndex(ageAtEnd, deprivation, rng);
  const health = (): { frailty: number; onsets: Onset[] } => {
    const frailty = rng.normal(0, 1);
    const onsets: Onset[] = [];
    for (const sampler of ctx.samplers) {
      const spec = sampler.spec;
      const logMultiplier =
        spec.frailty * frailty -
        (spec.frailty * spec.frailty) / 2 +
        spec.deprivation * deprivation +
        (female ? 0 : spec.male) +
        (smoking !== "never" && spec.smoking ? spec.smoking : 0) +
        (spec.bornBefore1960 && birthYear < 1960 ? spec.bornBefore1960 : 0);
      const age = onsetAge(sampler.table, Math.exp(logMultiplier), -Math.log(1 - rng.next()));
      if (!Number.isFinite(age)) continue;
      const day = birthDay + Math.floor(age * DAYS_PER_YEAR);
      if (day <= historyEnd) onsets.push({ spec, day });
    }
    onsets.sort((a, b) => a.day - b.day);
    return { frailty, onsets };
  };
  // People alive when they join the history are survivors: the frailest of their generation have already died.
  // Drawing their health from the survivors (rejection on survival since age 40) keeps the population from
  // starting out frailer than it stays, which would make deaths and admissions fall year on year.
  let { frailty, onsets } = health();
  const ageAtArrivalYears = ageInYears(birthDay, arrivalDay);
  const years =
    ageAtArrivalYears > SURVIVAL_FROM_AGE ? survivalYears(birthDay, arrivalDay, female, deprivation) : null;
  for (let attempt = 0; years && attempt < MAX_HEALTH_DRAWS; attempt++) {
    if (rng.next() < relativeSurvival(years, frailty, onsets)) break;
    ({ frailty, onsets } = health());
  }

  const regionIndex = ctx.personOffset + index;
  return {
    index: regionIndex,
    id: personId(regionIndex, idRng),
    female,
    birthDay,
    ethnicCategory: ethnic,
    name: pickName(rng, ethnic, female, birthYear),
    nhsNumber: ctx.nhsNumbers.forPerson(regionIndex),
    arrival,
    arrivalDay,
    registeredSince,
    practiceIndex,
    areaIndex: home.areaIndex,
    postcode: home.postcode,
    frailty,
    admissionPropensity: rng.normal(0, ADMISSION_PROPENSITY_SD),
    deprivation,
    smoking,
    bmi,
    onsets,
    medicines: repeatMedicines(onsets, female, rng),
  };
}
