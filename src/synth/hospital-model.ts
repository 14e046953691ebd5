import type { Rng } from "../core/rng.ts";
import type { WardEvent, WardKind } from "./life-events.ts";
import { SECONDS_PER_DAY } from "./timestamps.ts";

// Lengths of stay, diagnoses, specialties and ward journeys for hospital spells.

const HOUR = 3600;

/** Nights in hospital: log-normal around a mean that rises with age and frailty. */
export function nightsAround(mean: number, rng: Rng): number {
  const sd = 0.75;
  return Math.max(1, Math.round(Math.exp(rng.normal(Math.log(mean) - (sd * sd) / 2, sd))));
}

export function emergencyNights(age: number, deficits: number, cause: string, rng: Rng): number {
  if (cause === "stroke") return Math.max(2, nightsAround(16 + 0.6 * deficits, rng));
  if (cause === "fracture") return Math.max(2, nightsAround(17 + 0.5 * deficits, rng));
  const zeroNight = age < 65 ? 0.36 : age < 80 ? 0.2 : 0.14;
  if (rng.chance(zeroNight)) return 0;
  const mean = age < 18 ? 2 : age < 65 ? 3.8 : age < 80 ? 6.5 : 9;
  return nightsAround(mean + 0.35 * deficits, rng);
}

/** An emergency arrival time: mostly daytime and evening. */
export function emergencyTimeOfDay(rng: Rng): number {
  const hour = rng.weightedIndex([
    1, 1, 0.8, 0.6, 0.6, 0.7, 1, 2, 4, 6, 6.5, 6.5, 6, 6, 6, 6, 6, 6, 5.5, 5, 4.5, 4, 3, 2,
  ]);
  return hour * HOUR + rng.int(HOUR);
}

/** A discharge time on a given day, late morning to evening, never before `notBefore`. */
export function dischargeInstant(day: number, notBefore: number, rng: Rng): number {
  const t = day * SECONDS_PER_DAY + (10 + rng.int(9)) * HOUR + rng.int(HOUR);
  return Math.max(t, notBefore + 2 * HOUR + rng.int(2 * HOUR));
}

const CHILD_DIAGNOSES = ["J06.9", "J21.9", "A09", "R50.9", "J45.9", "S06.0", "R10.4", "J18.9"];
const ADULT_DIAGNOSES = [
  "R10.4",
  "R07.4",
  "K35.8",
  "N39.0",
  "L03.1",
  "J18.9",
  "F10.0",
  "T50.9",
  "A09",
  "R55",
  "K80.2",
  "J45.9",
];
const OLDER_DIAGNOSES = [
  "J18.9",
  "N39.0",
  "R55",
  "R07.4",
  "L03.1",
  "A41.9",
  "E87.1",
  "F05.9",
  "J22",
  "K92.2",
  "S06.0",
  "R10.4",
];

export function emergencyDiagnosis(
  age: number,
  has: { copd: boolean; heartFailure: boolean; dementia: boolean; asthma: boolean },
  rng: Rng,
): string {
  if (age < 16) return rng.pick(CHILD_DIAGNOSES);
  if (has.copd && rng.chance(0.3)) return "J44.1";
  if (has.heartFailure && rng.chance(0.25)) return "I50.9";
  if (has.asthma && age < 65 && rng.chance(0.15)) return "J45.9";
  if (has.dementia && rng.chance(0.25)) return rng.pick(["F05.9", "N39.0", "R41.0"]);
  return rng.pick(age < 65 ? ADULT_DIAGNOSES : OLDER_DIAGNOSES);
}

/** Treatment function code for a primary diagnosis (ICD-10) and age. */
export function specialtyFor(diagnosis: string, age: number): string {
  if (age < 16) return "420";
  const c = diagnosis[0];
  if (diagnosis.startsWith("I6")) return "328";
  if (c === "I" || diagnosis === "R07.4") return "320";
  if (c === "J") return "340";
  if (c === "S") return "110";
  if (
    diagnosis === "R10.4" ||
    diagnosis.startsWith("K35") ||
    diagnosis.startsWith("K80") ||
    diagnosis.startsWith("K40")
  )
    return "100";
  if (c === "O") return "501";
  return age >= 75 ? "430" : "300";
}

const ELECTIVE_PROCEDURES: readonly { diagnosis: string; specialty: string; minAge: number }[] = [
  { diagnosis: "H25.9", specialty: "130", minAge: 55 },
  { diagnosis: "M17.9", specialty: "110", minAge: 50 },
  { diagnosis: "M16.9", specialty: "110", minAge: 50 },
  { diagnosis: "K40.9", specialty: "100", minAge: 18 },
  { diagnosis: "K80.2", specialty: "100", minAge: 25 },
  { diagnosis: "N40", specialty: "101", minAge: 55 },
  { diagnosis: "D12.6", specialty: "301", minAge: 40 },
  { diagnosis: "Z51.1", specialty: "370", minAge: 30 },
  { diagnosis: "C44.9", specialty: "330", minAge: 45 },
  { diagnosis: "N81.1", specialty: "502", minAge: 40 },
  { diagnosis: "J35.0", specialty: "120", minAge: 2 },
  { diagnosis: "M23.2", specialty: "110", minAge: 16 },
];

export function electiveProcedure(
  age: number,
  female: boolean,
  rng: Rng,
): { diagnosis: string; specialty: string } {
  const options = ELECTIVE_PROCEDURES.filter(
    (p) => age >= p.minAge && !(p.diagnosis === "N40" && female) && !(p.diagnosis === "N81.1" && !female),
  );
  return rng.pick(options.length > 0 ? options : ELECTIVE_PROCEDURES.slice(-2));
}

/** Ward journey of an emergency stay: assessment unit, then the ward the condition calls for. */
export function emergencyWards(
  siteCode: string,
  admitted: number,
  discharged: number,
  age: number,
  diagnosis: string,
  rng: Rng,
): WardEvent[] {
  const ward = (kind: WardKind, name: string, start: number, end: number): WardEvent => ({
    kind,
    code: `${siteCode}-${name}`,
    start,
    end,
  });
  const stroke = diagnosis.startsWith("I6");
  const assessmentEnd = Math.min(discharged, admitted + (4 + rng.int(26)) * HOUR);
  const wards: WardEvent[] = [ward("assessment", age < 16 ? "PAU" : "AMU", admitted, assessmentEnd)];
  if (assessmentEnd >= discharged && !stroke) return wards;
  let t = assessmentEnd;
  if (!stroke && rng.chance(0.03) && discharged - t > 3 * SECONDS_PER_DAY) {
    const end = t + (1 + rng.int(3)) * SECONDS_PER_DAY;
    wards.push(ward("critical-care", "ICU", t, end));
    t = end;
  }
  if (stroke) {
    // Every stroke spell passes through the stroke unit; longer stays finish on a rehabilitation ward.
    const strokeEnd =
      discharged - t > 10 * SECONDS_PER_DAY && rng.chance(0.5) ? t + 7 * SECONDS_PER_DAY : discharged;
    wards.push(ward("stroke-unit", "SU1", t, strokeEnd));
    if (strokeEnd < discharged) wards.push(ward("elderly-care", "ECW2", strokeEnd, discharged));
    return wards;
  }
  if (age < 16) wards.push(ward("other", "PAED", t, discharged));
  else if (diagnosis.startsWith("S")) wards.push(ward("surgical", "TO1", t, discharged));
  else if (specialtyFor(diagnosis, age) === "100") wards.push(ward("surgical", "SURG1", t, discharged));
  else if (age >= 75) wards.push(ward("elderly-care", rng.chance(0.5) ? "ECW1" : "ECW2", t, discharged));
  else wards.push(ward("general", `GEN${1 + rng.int(3)}`, t, discharged));
  return wards;
}

/** ICD-10 underlying cause of death from the person's conditions. */
export function causeOfDeath(has: Record<string, boolean>, rng: Rng): string {
  const candidates: string[] = [];
  if (has.dementia) candidates.push("F03", "G30.9");
  if (has["heart-failure"]) candidates.push("I50.0");
  if (has.copd) candidates.push("J44.9");
  if (has.stroke) candidates.push("I64");
  if (has["coronary-heart-disease"]) candidates.push("I25.9", "I21.9");
  if (candidates.length > 0 && rng.chance(0.6)) return rng.pick(candidates);
  return rng.pick([
    "C34.9",
    "C18.9",
    "C50.9",
    "C61",
    "C25.9",
    "J18.9",
    "I25.9",
    "I21.9",
    "I64",
    "C80.9",
    "K70.3",
    "N18.5",
  ]);
}
