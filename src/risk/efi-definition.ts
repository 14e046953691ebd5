// The Electronic Frailty Index as data/efi/ defines it (Clegg et al., Age and Ageing 2016;45:353-360):
// 36 unweighted deficits, score = deficits / 36, categories by integer count. Pure: no I/O.

export interface DeficitDefinition {
  id: string;
  name: string;
  /** Counted as a long-term condition for the risk model and cohorts (not part of the eFI itself). */
  longTermCondition: boolean;
}

const LTC = true;

/** In the order of data/efi/README.md; the index is the deficit's ordinal (its bit in deficit masks). */
export const DEFICITS: readonly DeficitDefinition[] = [
  ["activity-limitation", "Activity limitation"],
  ["anaemia-and-haematinic-deficiency", "Anaemia & haematinic deficiency"],
  ["arthritis", "Arthritis", LTC],
  ["atrial-fibrillation", "Atrial fibrillation", LTC],
  ["cerebrovascular-disease", "Cerebrovascular disease", LTC],
  ["chronic-kidney-disease", "Chronic kidney disease", LTC],
  ["diabetes", "Diabetes", LTC],
  ["dizziness", "Dizziness"],
  ["dyspnoea", "Dyspnoea"],
  ["falls", "Falls"],
  ["foot-problems", "Foot problems"],
  ["fragility-fracture", "Fragility fracture"],
  ["hearing-impairment", "Hearing impairment"],
  ["heart-failure", "Heart failure", LTC],
  ["heart-valve-disease", "Heart valve disease", LTC],
  ["housebound", "Housebound"],
  ["hypertension", "Hypertension", LTC],
  ["hypotension-syncope", "Hypotension/syncope"],
  ["ischaemic-heart-disease", "Ischaemic heart disease", LTC],
  ["memory-and-cognitive-problems", "Memory & cognitive problems", LTC],
  ["mobility-and-transfer-problems", "Mobility and transfer problems"],
  ["osteoporosis", "Osteoporosis", LTC],
  ["parkinsonism-and-tremor", "Parkinsonism & tremor", LTC],
  ["peptic-ulcer", "Peptic ulcer"],
  ["peripheral-vascular-disease", "Peripheral vascular disease", LTC],
  ["polypharmacy", "Polypharmacy"],
  ["requirement-for-care", "Requirement for care"],
  ["respiratory-disease", "Respiratory disease", LTC],
  ["skin-ulcer", "Skin ulcer"],
  ["sleep-disturbance", "Sleep disturbance"],
  ["social-vulnerability", "Social vulnerability"],
  ["thyroid-disease", "Thyroid disease", LTC],
  ["urinary-incontinence", "Urinary incontinence"],
  ["urinary-system-disease", "Urinary system disease"],
  ["visual-impairment", "Visual impairment"],
  ["weight-loss-and-anorexia", "Weight loss & anorexia"],
].map(([id, name, ltc]) => ({ id: id as string, name: name as string, longTermCondition: ltc === true }));

export const DEFICIT_COUNT = 36;
export const POLYPHARMACY = "polypharmacy";
/** Polypharmacy: this many distinct medication codes issued in the 12 months up to the date. */
export const POLYPHARMACY_MIN_MEDICINES = 5;
/** The eFI was developed and validated for people aged 65 and over; categories are given only for them. */
export const EFI_MIN_AGE = 65;

const ORDINAL = new Map(DEFICITS.map((d, i) => [d.id, i]));

export function deficitOrdinal(id: string): number {
  const n = ORDINAL.get(id);
  if (n === undefined) throw new RangeError(`Not an eFI deficit: ${JSON.stringify(id)}`);
  return n;
}

export function isDeficitId(id: string): boolean {
  return ORDINAL.has(id);
}

export type EfiCategory = "fit" | "mild" | "moderate" | "severe";
export const EFI_CATEGORIES: readonly EfiCategory[] = ["fit", "mild", "moderate", "severe"];

/**
 * Highest deficit count in each category but the last. From the score cut-points 0.12, 0.24 and 0.36:
 * 0.12 x 36 = 4.32, 0.24 x 36 = 8.64, 0.36 x 36 = 12.96, so 13/36 = 0.361 is severe. Integers only.
 */
export const EFI_CATEGORY_MAX_COUNT = { fit: 4, mild: 8, moderate: 12 } as const;

export function efiCategory(deficits: number): EfiCategory {
  if (!Number.isInteger(deficits) || deficits < 0 || deficits > DEFICIT_COUNT) {
    throw new RangeError(`An eFI deficit count is a whole number from 0 to 36, not ${deficits}`);
  }
  if (deficits <= EFI_CATEGORY_MAX_COUNT.fit) return "fit";
  if (deficits <= EFI_CATEGORY_MAX_COUNT.mild) return "mild";
  if (deficits <= EFI_CATEGORY_MAX_COUNT.moderate) return "moderate";
  return "severe";
}

/** The score as an exact fraction: always n/36. */
export function efiScore(deficits: number): { numerator: number; denominator: 36; value: number } {
  efiCategory(deficits);
  return { numerator: deficits, denominator: DEFICIT_COUNT, value: deficits / DEFICIT_COUNT };
}

/** The same categories as SQL over an integer count expression (and an age expression). */
export function efiCategorySql(countExpr: string, ageExpr: string): string {
  const m = EFI_CATEGORY_MAX_COUNT;
  return `CASE WHEN ${ageExpr} < ${EFI_MIN_AGE} THEN NULL
    WHEN ${countExpr} <= ${m.fit} THEN 'fit' WHEN ${countExpr} <= ${m.mild} THEN 'mild'
    WHEN ${countExpr} <= ${m.moderate} THEN 'moderate' ELSE 'severe' END`;
}

export function maskOf(deficitIds: readonly string[]): bigint {
  let mask = 0n;
  for (const id of deficitIds) mask |= 1n << BigInt(deficitOrdinal(id));
  return mask;
}

export function deficitsInMask(mask: number | bigint): string[] {
  const m = BigInt(mask);
  return DEFICITS.filter((_, i) => (m >> BigInt(i)) & 1n).map((d) => d.id);
}
