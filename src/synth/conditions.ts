import type { Rng } from "../core/rng.ts";
import { loadEfiCodeLists } from "./efi-codes.ts";

// The conditions a synthetic person can acquire. Each counts towards one eFI deficit and is recorded in the
// GP record with a code from that deficit's list in data/efi/efi-deficits.csv. The ten long-term conditions
// (LTCs) the place counts use short, explicit code lists (their first code is the one most often used);
// the other deficits draw from the deficit's own list. Codes that belong to more than one deficit are never
// used, so one entry adds exactly one deficit.

export type ValueRule = "egfr" | "haemoglobin" | "barthel" | "six-cit" | "must" | "falls";

export interface ConditionSpec {
  id: string;
  deficitId: string;
  /** The LTC this condition is, or null for other deficits. */
  ltc: LtcId | null;
  /** Prevalence for a person of average risk by age, as [age, proportion] knots; zero before the first. */
  prevalence: readonly (readonly [number, number])[];
  /** Log hazard ratio per standard deviation of the person's frailty propensity. */
  frailty: number;
  /** Log hazard ratio per unit of deprivation (-1 least deprived to +1 most). */
  deprivation: number;
  /** Log hazard ratio for men against women. */
  male: number;
  /** Extra log hazard ratio for current or former smokers. */
  smoking?: number;
  /** Extra log hazard ratio for people born before 1960 (asthma was diagnosed less in their childhood). */
  bornBefore1960?: number;
  /** A numeric observation that can show the deficit instead of a code (efi-value-rules.md). */
  valueRule?: ValueRule;
  /** Chance that onset brings an emergency admission, and its ICD-10 primary diagnoses. */
  admission?: { probability: number; diagnoses: readonly string[]; specialty: string };
  codes: readonly string[];
}

export const LTC_IDS = [
  "hypertension",
  "diabetes",
  "coronary-heart-disease",
  "atrial-fibrillation",
  "heart-failure",
  "stroke",
  "copd",
  "asthma",
  "chronic-kidney-disease",
  "dementia",
] as const;
export type LtcId = (typeof LTC_IDS)[number];

/**
 * The codes that record each long-term condition in the GP record. This is the definition the calibration
 * report counts LTC prevalence with; every code is in the eFI list of the deficit named beside it.
 */
export const LTC_CODES: Readonly<Record<LtcId, { deficitId: string; codes: readonly string[] }>> = {
  hypertension: { deficitId: "hypertension", codes: ["38341003", "59621000", "1201005", "194757006"] },
  diabetes: { deficitId: "diabetes", codes: ["44054006", "313436004", "46635009", "237599002"] },
  "coronary-heart-disease": {
    deficitId: "ischaemic-heart-disease",
    codes: ["414545008", "22298006", "194828000", "233819005", "1755008"],
  },
  "atrial-fibrillation": {
    deficitId: "atrial-fibrillation",
    codes: ["49436004", "282825002", "440028005", "233911009"],
  },
  "heart-failure": { deficitId: "heart-failure", codes: ["84114007", "42343007", "88805009"] },
  stroke: {
    deficitId: "cerebrovascular-disease",
    codes: ["230690007", "432504007", "274100004", "230713003"],
  },
  copd: { deficitId: "respiratory-disease", codes: ["13645005", "313296004", "313297008", "185086009"] },
  asthma: { deficitId: "respiratory-disease", codes: ["195967001", "370218001", "370219009", "233678006"] },
  "chronic-kidney-disease": {
    deficitId: "chronic-kidney-disease",
    codes: ["433144002", "700378005", "700379002", "431857002", "709044004"],
  },
  dementia: {
    deficitId: "memory-and-cognitive-problems",
    codes: ["52448006", "26929004", "429998004", "15662003"],
  },
};

/** SNOMED CT stroke codes by ICD-10 stroke type, so the GP record agrees with the hospital's diagnosis. */
export const STROKE_GP_CODE_BY_ICD10: Readonly<Record<string, string>> = {
  "I63.9": "432504007",
  "I61.9": "274100004",
  I64: "230690007",
};

type Spec = Omit<ConditionSpec, "codes" | "frailty" | "deprivation" | "male"> &
  Partial<Pick<ConditionSpec, "frailty" | "deprivation" | "male">> & {
    /** Explicit codes (first most used); otherwise the deficit's own single-deficit codes. */
    codes?: readonly string[];
    /** Displays to leave out when drawing from the deficit's list (e.g. asthma codes for other lung disease). */
    exclude?: RegExp;
  };

const FRAILTY_DEFICIT = 0.78;
/** Cumulative hazard multiplier for the deficits that are not LTCs, tuned to the eFI category shares. */
const OTHER_DEFICIT_SCALE = 2.7;

function scalePrevalence(knots: readonly (readonly [number, number])[], k: number): [number, number][] {
  return knots.map(([age, p]) => [age, 1 - (1 - p) ** k]);
}
const FRAILTY_LTC = 0.45;

const SPECS: readonly Spec[] = [
  // The ten long-term conditions.
  {
    id: "hypertension",
    deficitId: "hypertension",
    ltc: "hypertension",
    prevalence: [
      [22, 0],
      [40, 0.04],
      [60, 0.21],
      [75, 0.4],
      [90, 0.52],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0.15,
    male: 0.1,
  },
  {
    id: "diabetes",
    deficitId: "diabetes",
    ltc: "diabetes",
    prevalence: [
      [10, 0],
      [20, 0.004],
      [40, 0.022],
      [60, 0.09],
      [75, 0.16],
      [90, 0.17],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0.3,
    male: 0.25,
  },
  {
    id: "coronary-heart-disease",
    deficitId: "ischaemic-heart-disease",
    ltc: "coronary-heart-disease",
    prevalence: [
      [30, 0],
      [45, 0.005],
      [60, 0.03],
      [75, 0.08],
      [90, 0.14],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0.25,
    male: 0.6,
    smoking: 0.4,
    admission: { probability: 0.35, diagnoses: ["I21.9", "I21.4", "I20.0"], specialty: "320" },
  },
  {
    id: "atrial-fibrillation",
    deficitId: "atrial-fibrillation",
    ltc: "atrial-fibrillation",
    prevalence: [
      [40, 0],
      [60, 0.015],
      [75, 0.07],
      [90, 0.16],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0,
    male: 0.35,
    admission: { probability: 0.2, diagnoses: ["I48"], specialty: "320" },
  },
  {
    id: "heart-failure",
    deficitId: "heart-failure",
    ltc: "heart-failure",
    prevalence: [
      [45, 0],
      [60, 0.006],
      [75, 0.03],
      [90, 0.09],
    ],
    frailty: FRAILTY_DEFICIT,
    deprivation: 0.2,
    male: 0.3,
    admission: { probability: 0.4, diagnoses: ["I50.0", "I50.9"], specialty: "320" },
  },
  {
    id: "stroke",
    deficitId: "cerebrovascular-disease",
    ltc: "stroke",
    prevalence: [
      [35, 0],
      [60, 0.015],
      [75, 0.05],
      [90, 0.11],
    ],
    frailty: FRAILTY_DEFICIT,
    deprivation: 0.2,
    male: 0.2,
    smoking: 0.3,
    admission: {
      probability: 1,
      diagnoses: ["I63.9", "I63.9", "I63.9", "I63.9", "I61.9", "I64"],
      specialty: "328",
    },
  },
  {
    id: "copd",
    deficitId: "respiratory-disease",
    ltc: "copd",
    prevalence: [
      [35, 0],
      [50, 0.004],
      [65, 0.014],
      [75, 0.026],
      [90, 0.035],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0.4,
    male: 0.15,
    smoking: 1.2,
  },
  {
    id: "asthma",
    deficitId: "respiratory-disease",
    ltc: "asthma",
    prevalence: [
      [1, 0],
      [6, 0.07],
      [12, 0.11],
      [18, 0.135],
      [40, 0.15],
      [75, 0.165],
    ],
    frailty: 0.2,
    deprivation: 0.1,
    male: 0,
    bornBefore1960: -0.9,
  },
  {
    id: "chronic-kidney-disease",
    deficitId: "chronic-kidney-disease",
    ltc: "chronic-kidney-disease",
    prevalence: [
      [30, 0],
      [50, 0.008],
      [60, 0.025],
      [75, 0.11],
      [90, 0.24],
    ],
    frailty: FRAILTY_LTC,
    deprivation: 0.15,
    male: -0.1,
    valueRule: "egfr",
  },
  {
    id: "dementia",
    deficitId: "memory-and-cognitive-problems",
    ltc: "dementia",
    prevalence: [
      [55, 0],
      [65, 0.004],
      [75, 0.03],
      [85, 0.1],
      [95, 0.25],
    ],
    frailty: FRAILTY_DEFICIT,
    deprivation: 0.1,
    male: -0.1,
  },
  // The other deficits.
  {
    id: "arthritis",
    deficitId: "arthritis",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.04],
      [60, 0.17],
      [75, 0.33],
      [90, 0.43],
    ],
    male: -0.3,
  },
  {
    id: "visual-impairment",
    deficitId: "visual-impairment",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.01],
      [60, 0.05],
      [75, 0.17],
      [90, 0.42],
    ],
  },
  {
    id: "hearing-impairment",
    deficitId: "hearing-impairment",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.01],
      [60, 0.05],
      [75, 0.14],
      [90, 0.33],
    ],
    male: 0.2,
  },
  {
    id: "falls",
    deficitId: "falls",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.02],
      [75, 0.1],
      [90, 0.33],
    ],
    valueRule: "falls",
  },
  {
    id: "urinary-system-disease",
    deficitId: "urinary-system-disease",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.025],
      [60, 0.07],
      [75, 0.16],
      [90, 0.26],
    ],
  },
  {
    id: "osteoporosis",
    deficitId: "osteoporosis",
    ltc: null,
    prevalence: [
      [45, 0],
      [60, 0.025],
      [75, 0.09],
      [90, 0.18],
    ],
    male: -1.2,
  },
  {
    id: "dizziness",
    deficitId: "dizziness",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.025],
      [60, 0.06],
      [75, 0.12],
      [90, 0.2],
    ],
  },
  {
    id: "skin-ulcer",
    deficitId: "skin-ulcer",
    ltc: null,
    prevalence: [
      [45, 0],
      [60, 0.01],
      [75, 0.04],
      [90, 0.12],
    ],
  },
  {
    id: "thyroid-disease",
    deficitId: "thyroid-disease",
    ltc: null,
    prevalence: [
      [15, 0],
      [40, 0.025],
      [60, 0.06],
      [75, 0.1],
      [90, 0.13],
    ],
    male: -1.1,
  },
  {
    id: "transient-ischaemic-attack",
    deficitId: "cerebrovascular-disease",
    ltc: null,
    prevalence: [
      [45, 0],
      [60, 0.008],
      [75, 0.035],
      [90, 0.07],
    ],
    codes: ["266257000", "161511000", "195206000", "64586002", "88032003"],
  },
  {
    id: "memory-problems",
    deficitId: "memory-and-cognitive-problems",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.008],
      [75, 0.035],
      [90, 0.09],
    ],
    valueRule: "six-cit",
    codes: ["386807006", "247592009", "225038006", "386806002", "192071009", "231448004"],
  },
  {
    id: "mobility-and-transfer-problems",
    deficitId: "mobility-and-transfer-problems",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.008],
      [75, 0.035],
      [90, 0.14],
    ],
  },
  {
    id: "housebound",
    deficitId: "housebound",
    ltc: null,
    prevalence: [
      [60, 0],
      [75, 0.025],
      [90, 0.11],
    ],
  },
  {
    id: "requirement-for-care",
    deficitId: "requirement-for-care",
    ltc: null,
    prevalence: [
      [60, 0],
      [75, 0.013],
      [90, 0.07],
    ],
  },
  {
    id: "activity-limitation",
    deficitId: "activity-limitation",
    ltc: null,
    prevalence: [
      [40, 0],
      [60, 0.008],
      [75, 0.025],
      [90, 0.07],
    ],
    valueRule: "barthel",
  },
  {
    id: "social-vulnerability",
    deficitId: "social-vulnerability",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.008],
      [60, 0.018],
      [75, 0.045],
      [90, 0.11],
    ],
    deprivation: 0.4,
  },
  {
    id: "peptic-ulcer",
    deficitId: "peptic-ulcer",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.018],
      [60, 0.045],
      [75, 0.08],
      [90, 0.11],
    ],
  },
  {
    id: "foot-problems",
    deficitId: "foot-problems",
    ltc: null,
    prevalence: [
      [40, 0],
      [60, 0.025],
      [75, 0.08],
      [90, 0.16],
    ],
  },
  {
    id: "dyspnoea",
    deficitId: "dyspnoea",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.015],
      [60, 0.045],
      [75, 0.1],
      [90, 0.16],
    ],
    smoking: 0.5,
  },
  {
    id: "sleep-disturbance",
    deficitId: "sleep-disturbance",
    ltc: null,
    prevalence: [
      [18, 0],
      [40, 0.035],
      [60, 0.065],
      [75, 0.1],
      [90, 0.13],
    ],
  },
  {
    id: "urinary-incontinence",
    deficitId: "urinary-incontinence",
    ltc: null,
    prevalence: [
      [45, 0],
      [60, 0.018],
      [75, 0.065],
      [90, 0.17],
    ],
    male: -0.5,
  },
  {
    id: "weight-loss-and-anorexia",
    deficitId: "weight-loss-and-anorexia",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.004],
      [75, 0.022],
      [90, 0.075],
    ],
    valueRule: "must",
  },
  {
    id: "anaemia",
    deficitId: "anaemia-and-haematinic-deficiency",
    ltc: null,
    prevalence: [
      [15, 0],
      [40, 0.018],
      [60, 0.045],
      [75, 0.1],
      [90, 0.2],
    ],
    male: -0.3,
    valueRule: "haemoglobin",
    exclude: /thalass|sickle|hereditary|congenital|goats|myelodysplastic|aplastic|morphologic/i,
  },
  {
    id: "peripheral-vascular-disease",
    deficitId: "peripheral-vascular-disease",
    ltc: null,
    prevalence: [
      [45, 0],
      [60, 0.01],
      [75, 0.028],
      [90, 0.055],
    ],
    male: 0.5,
    smoking: 0.8,
  },
  {
    id: "hypotension-syncope",
    deficitId: "hypotension-syncope",
    ltc: null,
    prevalence: [
      [20, 0],
      [40, 0.008],
      [60, 0.025],
      [75, 0.065],
      [90, 0.13],
    ],
  },
  {
    id: "heart-valve-disease",
    deficitId: "heart-valve-disease",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.008],
      [75, 0.028],
      [90, 0.065],
    ],
  },
  {
    id: "parkinsonism",
    deficitId: "parkinsonism-and-tremor",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.003],
      [75, 0.014],
      [90, 0.035],
    ],
    male: 0.4,
  },
  {
    id: "fragility-fracture",
    deficitId: "fragility-fracture",
    ltc: null,
    prevalence: [
      [50, 0],
      [60, 0.018],
      [75, 0.055],
      [90, 0.14],
    ],
    male: -0.7,
    admission: { probability: 0.45, diagnoses: ["S72.0", "S72.0", "S72.1", "S32.5"], specialty: "110" },
  },
];

// Words that mark administrative or misleading entries in the deficit lists (exceptions, invitations,
// "did not attend"), which a clinician would not record as the onset of a condition.
const ADMINISTRATIVE =
  /excepted|exception|invitation|letter|did not attend|declined|monitoring|annual review|\[x\]|\[d\]/i;
const ACCEPTED_TAG = /\((disorder|finding)\)$/;

function deficitCodePool(deficitId: string, exclude: RegExp | undefined): string[] {
  const lists = loadEfiCodeLists();
  const entries = lists.codesByDeficit.get(deficitId);
  if (!entries) throw new Error(`No eFI deficit "${deficitId}" in efi-deficits.csv`);
  const pool = entries
    .filter((e) => lists.deficitsByCode.get(e.code)?.length === 1)
    .filter((e) => ACCEPTED_TAG.test(e.display) && !ADMINISTRATIVE.test(e.display))
    .filter((e) => !exclude?.test(e.display))
    .map((e) => e.code);
  if (pool.length === 0) throw new Error(`No usable codes for eFI deficit "${deficitId}"`);
  return pool;
}

function checkCodes(spec: Spec, codes: readonly string[]): void {
  const lists = loadEfiCodeLists();
  for (const code of codes) {
    const deficits = lists.deficitsByCode.get(code);
    if (deficits?.length !== 1 || deficits[0] !== spec.deficitId) {
      throw new Error(
        `Code ${code} for condition ${spec.id} must belong to eFI deficit ${spec.deficitId} only, but belongs to ${deficits?.join(", ") || "none"}`,
      );
    }
  }
}

let cachedConditions: readonly ConditionSpec[] | null = null;

/** The condition catalogue, with code lists checked against efi-deficits.csv. */
export function conditionCatalogue(): readonly ConditionSpec[] {
  if (cachedConditions) return cachedConditions;
  cachedConditions = SPECS.map((s) => {
    const codes = s.ltc ? LTC_CODES[s.ltc].codes : (s.codes ?? deficitCodePool(s.deficitId, s.exclude));
    checkCodes(s, codes);
    return {
      id: s.id,
      deficitId: s.deficitId,
      ltc: s.ltc,
      prevalence: s.ltc ? s.prevalence : scalePrevalence(s.prevalence, OTHER_DEFICIT_SCALE),
      frailty: s.frailty ?? FRAILTY_DEFICIT,
      deprivation: s.deprivation ?? 0.1,
      male: s.male ?? 0,
      smoking: s.smoking,
      bornBefore1960: s.bornBefore1960,
      valueRule: s.valueRule,
      admission: s.admission,
      codes,
    };
  });
  return cachedConditions;
}

/** The usual code half the time, otherwise any code from the condition's list. */
export function pickConditionCode(spec: ConditionSpec, rng: Rng): string {
  return rng.chance(0.5) ? spec.codes[0] : rng.pick(spec.codes);
}
