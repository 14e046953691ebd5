// The NHS Data Dictionary codes (and the HL7 v2 tables hospital systems send in their place) that feeds carry,
// each as one two-way table: every code a sender may use, decoded to our canonical value (the values the
// activity tables' CHECK constraints allow), and for each canonical value the one code we send. The synthetic
// feeds encode with these tables and ingest decodes with them, so the two cannot drift apart.

/** A code set: code -> canonical value for every accepted code; canonical value -> the code we send. */
export interface CodeSet<V extends string> {
  readonly name: string;
  /** Every accepted code, in table order. */
  readonly codes: readonly string[];
  /** The canonical values, each once, in table order. */
  readonly values: readonly V[];
  /** The canonical value of a code, or null for a code the set does not have. */
  decode(code: string): V | null;
  /** The code we send for a canonical value, or null for a value the set does not have. */
  encode(value: string): string | null;
  /** Whether the code is the one we send for its value (not merely an accepted alternative). */
  isPreferred(code: string): boolean;
}

/**
 * A code set from [code, value] pairs. The first code listed for a value is the one encode() sends;
 * `encodeOnly` gives a code for a canonical value that no code decodes to on its own (see DISCHARGE_METHOD).
 */
export function codeSet<V extends string>(
  name: string,
  entries: readonly (readonly [code: string, value: V])[],
  encodeOnly: Readonly<Partial<Record<V, string>>> = Object.freeze({}),
): CodeSet<V> {
  const byCode = new Map<string, V>();
  const byValue = new Map<string, string>();
  for (const [code, value] of entries) {
    if (byCode.has(code)) throw new Error(`${name}: code ${code} listed twice`);
    byCode.set(code, value);
    if (!byValue.has(value)) byValue.set(value, code);
  }
  for (const [value, code] of Object.entries(encodeOnly) as [V, string][]) {
    if (!byCode.has(code)) throw new Error(`${name}: ${value} is sent as ${code}, which the set lacks`);
    byValue.set(value, code);
  }
  const values = [...new Set([...byCode.values(), ...(Object.keys(encodeOnly) as V[])])];
  return Object.freeze({
    name,
    codes: Object.freeze([...byCode.keys()]),
    values: Object.freeze(values),
    decode: (code: string) => byCode.get(code) ?? null,
    encode: (value: string) => byValue.get(value) ?? null,
    isPreferred: (code: string) => {
      const value = byCode.get(code);
      return value !== undefined && byValue.get(value) === code;
    },
  });
}

export type AdmissionMethod = "elective" | "emergency" | "maternity" | "transfer" | "other";

/** Admission method (NHS Data Dictionary), with the HL7 table 0007 admission types some systems send in PV1-4. */
export const ADMISSION_METHOD: CodeSet<AdmissionMethod> = codeSet("admission method", [
  ["21", "emergency"], // via A&E
  ["22", "emergency"], // via the GP
  ["23", "emergency"], // via the bed bureau
  ["24", "emergency"], // via a consultant clinic
  ["25", "emergency"], // via a mental health crisis team
  ["26", "emergency"],
  ["27", "emergency"],
  ["28", "emergency"], // other means
  ["2A", "emergency"], // A&E of another provider
  ["2B", "emergency"], // transfer from another provider's bed
  ["2C", "emergency"], // baby born at home
  ["2D", "emergency"], // other emergency
  ["11", "elective"], // from the waiting list
  ["12", "elective"], // booked
  ["13", "elective"], // planned
  ["31", "maternity"], // ante-partum
  ["32", "maternity"], // post-partum
  ["81", "transfer"], // from another hospital, not in an emergency
  ["82", "other"], // born in this hospital
  ["83", "other"], // born outside it
  ["E", "emergency"], // HL7 0007: emergency
  ["U", "emergency"], // urgent
  ["A", "emergency"], // accident
  ["C", "elective"], // elective
  ["R", "elective"], // routine
  ["L", "maternity"], // labour and delivery
  ["N", "maternity"], // newborn
]);

export type DischargeMethod = "discharged" | "self-discharged" | "died" | "transferred";

/**
 * Discharge method (NHS Data Dictionary). The Dictionary has no code for a transfer: it is a clinical discharge
 * (1) to another hospital, told by the discharge destination, so "transferred" is sent as 1 and read back with
 * dischargeMethodOf().
 */
export const DISCHARGE_METHOD: CodeSet<DischargeMethod> = codeSet<DischargeMethod>(
  "discharge method",
  [
    ["1", "discharged"], // on clinical advice
    ["2", "self-discharged"], // against advice, or by a relative
    ["3", "discharged"], // by a mental health review tribunal, the Home Secretary or a court
    ["4", "died"],
    ["5", "died"], // stillbirth
  ],
  { transferred: "1" },
);

export type DischargeDestination = string;

/** Discharge destination (NHS Data Dictionary): the code is kept as our value; the label says what it means. */
export const DISCHARGE_DESTINATION_LABELS: Readonly<Record<string, string>> = Object.freeze({
  "19": "usual place of residence",
  "29": "temporary place of residence",
  "30": "repatriation from high security psychiatric hospital",
  "37": "court",
  "38": "penal establishment or police station",
  "48": "high security psychiatric hospital, Scotland",
  "49": "NHS other hospital provider, high security psychiatric accommodation",
  "50": "NHS other hospital provider, medium secure unit",
  "51": "NHS other hospital provider, general ward",
  "52": "NHS other hospital provider, maternity or neonatal ward",
  "53": "NHS other hospital provider, mental health or learning disabilities ward",
  "54": "NHS run care home",
  "65": "local authority residential accommodation",
  "66": "local authority foster care",
  "79": "not applicable: patient died or stillbirth",
  "84": "non-NHS run hospital, medium secure unit",
  "85": "non-NHS run care home",
  "87": "non-NHS run hospital",
  "88": "non-NHS run hospice",
  "98": "not applicable: hospital spell not finished",
  "99": "not known",
});

/** The discharge destinations that are another hospital: a discharge there is a transfer. */
export const TRANSFER_DESTINATIONS: ReadonlySet<string> = new Set(["49", "50", "51", "52", "53"]);

/** Usual place of residence: where most people go home to. */
export const DESTINATION_USUAL_RESIDENCE = "19";

export function isDischargeDestination(code: string): boolean {
  return Object.hasOwn(DISCHARGE_DESTINATION_LABELS, code);
}

/** A spell's discharge method from its method code and destination code (a discharge to a hospital is a transfer). */
export function dischargeMethodOf(code: string, destination: string | null): DischargeMethod | null {
  const method = DISCHARGE_METHOD.decode(code);
  if (method === "discharged" && destination && TRANSFER_DESTINATIONS.has(destination)) return "transferred";
  return method;
}

export type AeDisposal = "admitted" | "discharged" | "referred" | "left" | "died";

/** A&E attendance disposal (NHS Data Dictionary). */
export const AE_DISPOSAL: CodeSet<AeDisposal> = codeSet("A&E attendance disposal", [
  ["01", "admitted"],
  ["03", "discharged"], // no follow-up needed
  ["02", "discharged"], // to GP care
  ["14", "discharged"], // other
  ["06", "referred"], // to another health care professional
  ["04", "referred"], // to an outpatient clinic
  ["05", "referred"], // to an A&E clinic
  ["07", "referred"], // transferred to another provider
  ["10", "died"],
  ["12", "left"], // before being treated
  ["13", "left"], // having refused treatment
]);

export type ArrivalMode = "ambulance" | "walk-in" | "other";

/** A&E arrival mode: HL7 table 0430 mode of arrival (PV2-38). */
export const ARRIVAL_MODE: CodeSet<ArrivalMode> = codeSet("A&E arrival mode", [
  ["A", "ambulance"],
  ["H", "ambulance"], // helicopter
  ["F", "walk-in"], // on foot
  ["C", "walk-in"], // car
  ["P", "walk-in"], // public transport
  ["O", "other"],
  ["U", "other"], // unknown
]);

export type Sex = "female" | "male" | "other" | "unknown";

/** Administrative sex: HL7 table 0001 (PID-8); CSV extracts send the same letters. */
export const ADMINISTRATIVE_SEX: CodeSet<Sex> = codeSet("administrative sex", [
  ["F", "female"],
  ["M", "male"],
  ["O", "other"],
  ["A", "other"], // ambiguous
  ["U", "unknown"],
  ["N", "unknown"], // not applicable
  // NHS Data Dictionary person gender code, which English systems send in PID-8 in place of table 0001.
  ["1", "male"],
  ["2", "female"],
  ["9", "unknown"], // not specified
  ["0", "unknown"], // not known
]);

/** FHIR administrative-gender: the codes are our values. */
export const FHIR_GENDER: CodeSet<Sex> = codeSet("FHIR administrative gender", [
  ["female", "female"],
  ["male", "male"],
  ["other", "other"],
  ["unknown", "unknown"],
]);

/** Ethnic category (NHS Data Dictionary, 2001 census categories): the letter is kept as our value. */
export const ETHNIC_CATEGORY_LABELS: Readonly<Record<string, string>> = Object.freeze({
  A: "White: British",
  B: "White: Irish",
  C: "White: any other White background",
  D: "Mixed: White and Black Caribbean",
  E: "Mixed: White and Black African",
  F: "Mixed: White and Asian",
  G: "Mixed: any other mixed background",
  H: "Asian or Asian British: Indian",
  J: "Asian or Asian British: Pakistani",
  K: "Asian or Asian British: Bangladeshi",
  L: "Asian or Asian British: any other Asian background",
  M: "Black or Black British: Caribbean",
  N: "Black or Black British: African",
  P: "Black or Black British: any other Black background",
  R: "Other ethnic groups: Chinese",
  S: "Other ethnic groups: any other ethnic group",
  Z: "Not stated",
});

/**
 * The ethnic category a feed sent, or null when it is not one letter. Any capital letter is kept (a local
 * extension, or a later census's category), as feeds accept and flag rather than lose.
 */
export function ethnicCategoryOf(code: string | null | undefined): string | null {
  return code && /^[A-Z]$/.test(code) ? code : null;
}
