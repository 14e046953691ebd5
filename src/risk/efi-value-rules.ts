// The eFI value rules of data/efi/efi-value-rules.md. Thresholds are the section 3 source bounds, compared
// strictly as the source compares them ("min X" = value > X, "max Y" = value < Y). Codes: the section 3
// Read v2 / CTV3 codes as given, and the section 4 SNOMED CT measurement concepts with the section 3
// thresholds (as that file advises for the original eFI). Thyroid (TSH) has no SNOMED CT concept there, so
// only Read v2 / CTV3 TSH values can trigger it. Haemoglobin rules apply only to people recorded as male or
// female: the source gives no thresholds for other sexes.
import { SNOMED_CT_SYSTEM } from "../core/codes.ts";

export const READ_V2_SYSTEM = "http://read.info/readv2";
export const CTV3_SYSTEM = "http://read.info/ctv3";

export interface ValueRange {
  /** value must be greater than this (null: no lower bound) */
  above: number | null;
  /** value must be less than this (null: no upper bound) */
  below: number | null;
}

export interface ValueMeasure {
  id: string;
  deficitId: string;
  label: string;
  sex: "male" | "female" | null;
  ranges: readonly ValueRange[];
  /** Read v2 / CTV3 codes exactly as the source lists them (TPP local Y codes included). */
  readCodes: readonly string[];
  /** SNOMED CT measurement concepts from the eFI2 list (section 4). */
  snomedCodes: readonly string[];
}

const any: ValueRange = { above: null, below: null };
const above = (x: number): ValueRange => ({ above: x, below: null });
const below = (y: number): ValueRange => ({ above: null, below: y });
const between = (x: number, y: number): ValueRange => ({ above: x, below: y });

const HB_READ = ["423..", "XE2m6", "Xa96v"];
const HB_SNOMED = ["271026005"];

export const VALUE_MEASURES: readonly ValueMeasure[] = [
  m(
    "falls-12m",
    "falls",
    "Number of falls in last 12 months",
    [above(0)],
    ["Y3351", "XaISO", "16D2."],
    ["391002003"],
  ),
  m(
    "abpm-diastolic",
    "hypertension",
    "Average 24 hour diastolic blood pressure",
    [above(85)],
    ["246V.", "XaF4b"],
    ["314462001", "198091000000104"],
  ),
  m(
    "abpm-systolic",
    "hypertension",
    "Average 24 hour systolic blood pressure",
    [above(135)],
    ["246W.", "XaF4O"],
    ["314449000", "198081000000101"],
  ),
  m(
    "af-stroke-risk-score",
    "atrial-fibrillation",
    "AF stroke risk score recorded (any value)",
    [any],
    ["38DE.", "XaP9J"],
    ["763008007", "735259005", "793851000000102"],
  ),
  m(
    "barthel",
    "activity-limitation",
    "Barthel index 18 or less",
    [below(18.1)],
    ["39F..", "XM0an"],
    ["273302005"],
  ),
  m(
    "6cit",
    "memory-and-cognitive-problems",
    "Six item cognitive impairment test 8 or more",
    [above(7.9)],
    ["3AD3.", "XaJLG"],
    ["408492009"],
  ),
  {
    ...m(
      "haemoglobin-male",
      "anaemia-and-haematinic-deficiency",
      "Haemoglobin below 13 g/dL (130 g/L), male",
      [between(0, 13), between(25, 130)],
      HB_READ,
      HB_SNOMED,
    ),
    sex: "male",
  },
  {
    ...m(
      "haemoglobin-female",
      "anaemia-and-haematinic-deficiency",
      "Haemoglobin below 11.5 g/dL (115 g/L), female",
      [between(0, 11.5), between(25, 115)],
      HB_READ,
      HB_SNOMED,
    ),
    sex: "female",
  },
  m(
    "tsh",
    "thyroid-disease",
    "TSH outside 0.36 to 5.5",
    [between(0, 0.36), above(5.5)],
    ["442A.", "442W.", "XE2wy", "XaELV"],
    [],
  ),
  m(
    "egfr",
    "chronic-kidney-disease",
    "Glomerular filtration rate below 60",
    [between(0, 60)],
    ["451E.", "451F.", "XSFyN", "XaZpN", "XaK8y", "XaMDA", "XacUJ", "XacUK"],
    ["80274001"],
  ),
  m(
    "urine-protein",
    "chronic-kidney-disease",
    "Urine protein above 150 mg/24hr",
    [above(150)],
    ["46N..", "XE2eH", "XE2eG"],
    ["270999004", "57378007"],
  ),
  m(
    "urine-albumin",
    "chronic-kidney-disease",
    "Urine albumin above 20 mg/24hr",
    [above(20)],
    ["XE2eI", "46N4."],
    ["271000000"],
  ),
  m(
    "urine-pcr",
    "chronic-kidney-disease",
    "Urine protein/creatinine above 50 mg/mmol",
    [above(50)],
    ["46N7.", "XaIz7", "XaEMS"],
    ["313500004", "401095009"],
  ),
  m(
    "urine-acr",
    "chronic-kidney-disease",
    "Urine albumin:creatinine ratio above 3 mg/mmol",
    [above(3)],
    ["XE2n3", "46TC."],
    ["271075006"],
  ),
  m(
    "urine-microalbumin",
    "chronic-kidney-disease",
    "Urine microalbumin above 3 mg/mmol",
    [above(3)],
    ["46W..", "XE2bw"],
    ["46716003"],
  ),
  m(
    "abpi",
    "peripheral-vascular-disease",
    "Ankle brachial pressure index below 0.95",
    [between(0, 0.95)],
    ["585a.", "Y1259", "Y1258", "XaIup"],
    ["401221002"],
  ),
  m(
    "hip-dxa-t-score",
    "osteoporosis",
    "Hip DXA T score -2.5 or lower",
    [below(-2.499)],
    ["XaITU", "58EE."],
    ["391068001"],
  ),
  m(
    "copd-exacerbations",
    "respiratory-disease",
    "COPD exacerbations, oxygen hours or unscheduled COPD encounters 1 or more",
    [above(0.9)],
    ["66Yf.", "XaK8U", "YA310", "Y01e7"],
    ["723245007"],
  ),
  m(
    "must",
    "weight-loss-and-anorexia",
    "Malnutrition Universal Screening Tool score 1 or more",
    [above(0.9999)],
    ["687C.", "XaJv3"],
    ["444297006"],
  ),
];

function m(
  id: string,
  deficitId: string,
  label: string,
  ranges: ValueRange[],
  readCodes: string[],
  snomedCodes: string[],
): ValueMeasure {
  return { id, deficitId, label, sex: null, ranges, readCodes, snomedCodes };
}

export interface ValueRuleRow {
  ruleId: string;
  deficitId: string;
  system: string;
  code: string;
  label: string;
  sex: "male" | "female" | null;
  above: number | null;
  below: number | null;
  source: string;
}

const SOURCE_READ = "UoM-Data-Science-Platforms/gm-sde@6cf10afc (efi-value-rules.md section 3)";
const SOURCE_SNOMED =
  "DynAIRx/GCAF_DynAIRx@34b12339 concept, section 3 threshold (efi-value-rules.md section 4)";

/**
 * Codes beginning X or Y are CTV3 (Y: TPP local codes); the other five-character codes are Read v2 and are
 * also valid CTV3 codes, so they are matched under both systems.
 */
function readSystems(code: string): string[] {
  return /^[XY]/.test(code) ? [CTV3_SYSTEM] : [READ_V2_SYSTEM, CTV3_SYSTEM];
}

/** One row per measure, code system, code and range: what efi_value_rule holds. */
export function valueRuleRows(): ValueRuleRow[] {
  const rows: ValueRuleRow[] = [];
  for (const measure of VALUE_MEASURES) {
    const codes = [
      ...measure.readCodes.flatMap((code) =>
        readSystems(code).map((system) => ({ system, code, source: SOURCE_READ })),
      ),
      ...measure.snomedCodes.map((code) => ({ system: SNOMED_CT_SYSTEM, code, source: SOURCE_SNOMED })),
    ];
    for (const { system, code, source } of codes) {
      measure.ranges.forEach((range, i) => {
        rows.push({
          ruleId: `${measure.id}|${system}|${code}|${i + 1}`,
          deficitId: measure.deficitId,
          system,
          code,
          label: measure.label,
          sex: measure.sex,
          above: range.above,
          below: range.below,
          source,
        });
      });
    }
  }
  return rows;
}

/** Whether a recorded value meets a rule, exactly as the SQL in efi.ts applies it. */
export function meetsRange(value: number, range: ValueRange): boolean {
  return (range.above === null || value > range.above) && (range.below === null || value < range.below);
}
