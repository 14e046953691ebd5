import { normaliseIcd10 } from "../../core/codes.ts";
import {
  ADMINISTRATIVE_SEX,
  ADMISSION_METHOD,
  AE_DISPOSAL,
  ARRIVAL_MODE,
  DISCHARGE_DESTINATION_LABELS,
  DISCHARGE_METHOD,
  isDischargeDestination,
} from "../../core/nhs-dd-codes.ts";

// The coded fields of an ADT message, each with the code map a source's local codes go in (ingest_code_map
// map_name), the values a mapping may give, and how a standard code (NHS Data Dictionary, HL7 table) decodes
// without one. A code neither the source's map nor the standard knows never refuses the message: the event is
// stored with the code as received and a "needs mapping" flag, and mapping it later corrects what was stored.

export const WARD_KINDS = [
  "assessment",
  "general",
  "stroke-unit",
  "elderly-care",
  "surgical",
  "critical-care",
  "maternity",
  "other",
] as const;

/** The care plan types OnePlace defines (care_plan.plan_type). */
export const CARE_PLAN_TYPES = ["joint-health-social", "end-of-life", "crisis"] as const;

export interface CodedField {
  /** The code map's name in ingest_code_map. */
  map: string;
  /** Where the code is in the message, e.g. PV1-4. */
  field: string;
  what: string;
  /** What a mapping may give: the list of values, or a check of one. */
  targets: readonly string[] | { describe: string; accepts(target: string): boolean };
  /** The value of a standard code, or null when the standard does not have it. */
  standard(code: string): string | null;
  /** A FHIR field (its rows are corrected in their table, see fhir/local-codes.ts); HL7 when absent. */
  format?: "fhir";
  /** VisitDetail's key for the value (absent for patient fields). */
  detailKey?:
    | "wardKind"
    | "admissionMethod"
    | "specialty"
    | "diagnosis"
    | "dischargeMethod"
    | "destination"
    | "disposal"
    | "arrivalMode";
}

const none = () => null;

export const CODED_FIELDS = {
  "ward-kind": {
    map: "ward-kind",
    field: "PV1-3.1",
    what: "ward",
    targets: WARD_KINDS,
    standard: none,
    detailKey: "wardKind",
  },
  "admission-method": {
    map: "admission-method",
    field: "PV1-4",
    what: "admission type (admission method)",
    targets: ADMISSION_METHOD.values,
    standard: ADMISSION_METHOD.decode,
    detailKey: "admissionMethod",
  },
  "treatment-function": {
    map: "treatment-function",
    field: "PV1-10",
    what: "hospital service (treatment function)",
    targets: { describe: "a three-digit treatment function code", accepts: (t) => /^\d{3}$/.test(t) },
    standard: (c) => (/^\d{3}$/.test(c) ? c : null),
    detailKey: "specialty",
  },
  diagnosis: {
    map: "diagnosis",
    field: "DG1-3",
    what: "diagnosis (ICD-10)",
    targets: { describe: "an ICD-10 code", accepts: (t) => normaliseIcd10(t) !== null },
    standard: (c) => normaliseIcd10(c),
    detailKey: "diagnosis",
  },
  "discharge-method": {
    map: "discharge-method",
    field: "PV1-36",
    what: "discharge disposition (discharge method)",
    targets: DISCHARGE_METHOD.values,
    standard: DISCHARGE_METHOD.decode,
    detailKey: "dischargeMethod",
  },
  "discharge-destination": {
    map: "discharge-destination",
    field: "PV1-37",
    what: "discharged to location (discharge destination)",
    targets: Object.keys(DISCHARGE_DESTINATION_LABELS),
    standard: (c) => (isDischargeDestination(c) ? c : null),
    detailKey: "destination",
  },
  "ae-disposal": {
    map: "ae-disposal",
    field: "PV1-36",
    what: "A&E attendance disposal",
    targets: AE_DISPOSAL.values,
    standard: AE_DISPOSAL.decode,
    detailKey: "disposal",
  },
  "arrival-mode": {
    map: "arrival-mode",
    field: "PV2-38",
    what: "mode of arrival",
    targets: ARRIVAL_MODE.values,
    standard: ARRIVAL_MODE.decode,
    detailKey: "arrivalMode",
  },
  sex: {
    map: "sex",
    field: "PID-8",
    what: "administrative sex",
    targets: ADMINISTRATIVE_SEX.values,
    standard: ADMINISTRATIVE_SEX.decode,
  },
  "care-plan-type": {
    map: "care-plan-type",
    field: "EpisodeOfCare.type",
    what: "care plan type (FHIR EpisodeOfCare)",
    targets: CARE_PLAN_TYPES,
    standard: none,
    format: "fhir",
  },
} as const satisfies Record<string, CodedField>;

export type CodeMapName = keyof typeof CODED_FIELDS;

export const CODE_MAP_NAMES = Object.keys(CODED_FIELDS) as CodeMapName[];

export function isCodeMapName(name: string): name is CodeMapName {
  return Object.hasOwn(CODED_FIELDS, name);
}

/** Whether a mapping may give this target; the reason when not. */
export function targetProblem(map: CodeMapName, target: string): string | null {
  const t: CodedField["targets"] = CODED_FIELDS[map].targets;
  if (Array.isArray(t)) return t.includes(target) ? null : `is not one of ${t.join(", ")}`;
  const check = t as { describe: string; accepts(target: string): boolean };
  return check.accepts(target) ? null : `is not ${check.describe}`;
}

/** A source's own mappings: the value its code maps to, or null. */
export type CodeLookup = (map: CodeMapName, code: string) => string | null;

/** A code the message carried that neither the source's map nor the standard knows. */
export interface UnmappedCode {
  map: CodeMapName;
  code: string;
}

/**
 * The value of a code: the source's mapping first (its meaning wins), then the standard. Records the code in
 * `flags` when neither knows it.
 */
export function decodeOrFlag(
  map: CodeMapName,
  code: string,
  local: CodeLookup,
  flags: UnmappedCode[],
): string | null {
  const value = local(map, code) ?? CODED_FIELDS[map].standard(code);
  if (value === null && !flags.some((f) => f.map === map && f.code === code)) flags.push({ map, code });
  return value;
}

/** Every (map, code) pair a message's fields could need looked up in the source's code maps. */
export function codesToLookUp(fields: Partial<Record<CodeMapName, string>>): UnmappedCode[] {
  const out: UnmappedCode[] = [];
  for (const [map, code] of Object.entries(fields) as [CodeMapName, string | undefined][]) {
    if (code) out.push({ map, code });
  }
  return out;
}
