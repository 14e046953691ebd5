// Yearly rates of what happens to a person, from their state. One log-linear model per event kind: age sets
// the baseline, and eFI deficits, long-term conditions, the persistent frailty and hospital-use propensities,
// deprivation and living in a care home multiply it. The same inputs drive admissions, care and death, so
// the risk a model can learn from prior data is real. Scale constants were tuned against the calibration
// report (calibration.ts) at Thurrock scale.

export interface RiskState {
  age: number;
  female: boolean;
  /** eFI deficits present (coded deficits plus polypharmacy). */
  deficits: number;
  ltcs: number;
  frailty: number;
  admissionPropensity: number;
  deprivation: number;
  inCareHome: boolean;
  dementia: boolean;
  falls: boolean;
}

function byAge(age: number, bands: readonly (readonly [number, number])[]): number {
  for (const [upTo, rate] of bands) if (age < upTo) return rate;
  return bands[bands.length - 1][1];
}

const EMERGENCY_BY_AGE = [
  [1, 0.2],
  [5, 0.072],
  [15, 0.034],
  [25, 0.046],
  [45, 0.044],
  [65, 0.048],
  [75, 0.066],
  [85, 0.092],
  [200, 0.12],
] as const;
const EMERGENCY_SCALE = 0.31;

export function emergencyAdmissionRate(s: RiskState): number {
  return (
    EMERGENCY_SCALE *
    byAge(s.age, EMERGENCY_BY_AGE) *
    Math.exp(
      0.17 * s.deficits +
        0.1 * s.ltcs +
        0.8 * s.frailty +
        1.3 * s.admissionPropensity +
        0.2 * s.deprivation +
        (s.inCareHome ? 0.3 : 0),
    )
  );
}

/** Chance an emergency admission is followed by another within 30 days. */
export function readmissionChance(s: RiskState): number {
  return Math.min(0.4, 0.06 + 0.012 * s.deficits + 0.04 * Math.max(0, s.frailty + s.admissionPropensity));
}

const AE_BY_AGE = [
  [5, 0.42],
  [15, 0.24],
  [25, 0.36],
  [45, 0.27],
  [65, 0.2],
  [75, 0.2],
  [85, 0.28],
  [200, 0.42],
] as const;
const AE_SCALE = 0.84;

/** A&E attendances that do not lead to admission. */
export function aeOnlyRate(s: RiskState): number {
  return (
    AE_SCALE *
    byAge(s.age, AE_BY_AGE) *
    Math.exp(0.04 * s.deficits + 0.4 * s.frailty + 0.5 * s.admissionPropensity + 0.25 * s.deprivation)
  );
}

const DEATH_SCALE = 0.98;

export function deathRate(s: RiskState): number {
  const base = s.age < 1 ? 0.003 : 0.0002 + Math.exp(-10.4 + 0.085 * s.age);
  return (
    DEATH_SCALE *
    base *
    Math.exp(
      0.11 * s.deficits +
        0.35 * s.frailty +
        0.1 * s.deprivation +
        (s.inCareHome ? 0.7 : 0) +
        (s.dementia ? 0.3 : 0),
    )
  );
}

const ELECTIVE_BY_AGE = [
  [18, 0.03],
  [45, 0.06],
  [65, 0.11],
  [75, 0.2],
  [200, 0.22],
] as const;

export function electiveAdmissionRate(s: RiskState): number {
  return byAge(s.age, ELECTIVE_BY_AGE) * Math.exp(0.06 * s.ltcs + 0.03 * s.deficits);
}

const OUTPATIENT_BY_AGE = [
  [18, 0.14],
  [45, 0.18],
  [65, 0.27],
  [75, 0.4],
  [200, 0.45],
] as const;

/** Outpatient episodes (a first appointment and its follow-ups). */
export function outpatientEpisodeRate(s: RiskState): number {
  return 0.75 * byAge(s.age, OUTPATIENT_BY_AGE) * Math.exp(0.08 * s.ltcs + 0.03 * s.deficits);
}

export function communityEpisodeRate(s: RiskState): number {
  if (s.age < 65) return 0.012 * Math.exp(0.15 * s.ltcs);
  return 0.02 + 0.024 * s.deficits + (s.inCareHome ? 0.1 : 0);
}

export function mentalHealthEpisodeRate(s: RiskState): number {
  if (s.age < 18) return 0.004;
  if (s.age < 65) return 0.011 * Math.exp(0.5 * s.deprivation);
  return 0.008 + (s.dementia ? 0.08 : 0);
}

export function maternityRate(s: RiskState): number {
  return s.female && s.age >= 18 && s.age < 45 ? (s.age < 35 ? 0.075 : 0.03) : 0;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const CARE_HOME_SCALE = 2.4;

/** Moving permanently into a care home from home (people aged 65+ not in hospital). */
export function careHomeAdmissionRate(s: RiskState): number {
  if (s.age < 65 || s.inCareHome) return 0;
  return CARE_HOME_SCALE * Math.exp(-7.9 + 0.06 * (s.age - 65) + 0.2 * s.deficits + (s.dementia ? 1.3 : 0));
}

/** Discharge from an emergency stay of 3+ days straight into a permanent care-home place. */
export function careHomeFromHospitalChance(s: RiskState): number {
  if (s.age < 65 || s.inCareHome) return 0;
  return Math.min(
    0.9,
    CARE_HOME_SCALE * logistic(-6.6 + 0.05 * (s.age - 65) + 0.2 * s.deficits + (s.dementia ? 1.3 : 0)),
  );
}

const REABLEMENT_SCALE = 0.75;

/** Discharge home from an emergency stay into reablement (people aged 65+). */
export function reablementChance(s: RiskState): number {
  if (s.age < 65 || s.inCareHome) return 0;
  return REABLEMENT_SCALE * Math.min(0.3, 0.004 + 0.0045 * s.deficits + (s.age >= 80 ? 0.008 : 0));
}

const TELECARE_SCALE = 0.16;

export function telecareInstallRate(s: RiskState): number {
  if (s.age < 65 || s.inCareHome) return 0;
  return (
    TELECARE_SCALE *
    Math.exp(-6.8 + 0.04 * (s.age - 65) + 0.18 * s.deficits + (s.dementia ? 0.8 : 0) + (s.falls ? 0.6 : 0))
  );
}

export function homeCareStartRate(s: RiskState): number {
  if (s.inCareHome) return 0;
  if (s.age < 65) return s.age >= 18 ? 0.0008 * Math.exp(0.2 * s.deficits) : 0;
  return Math.exp(-6.6 + 0.05 * (s.age - 65) + 0.2 * s.deficits + (s.dementia ? 0.8 : 0));
}

export function respiteRate(s: RiskState): number {
  if (s.age < 65 || s.inCareHome || s.deficits < 5) return 0;
  return 0.012 + 0.004 * s.deficits;
}

/** A joint health and social care plan agreed at an MDT, for frail people not yet on one. */
export function jointCarePlanRate(s: RiskState): number {
  if (s.age < 65) return 0;
  if (s.deficits >= 9) return 0.16;
  if (s.deficits >= 5) return 0.035;
  return 0.002;
}
