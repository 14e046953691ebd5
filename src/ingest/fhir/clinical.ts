import type { CodeableConcept, Medication, Reference } from "fhir/r4.js";
import { CATALOGUE } from "../../store/index.ts";
import { type Column, compile, type FhirMapping, readAs } from "./declare.ts";
import {
  always,
  asSent,
  at,
  booleanText,
  type Converter,
  coding,
  codingIfAny,
  day,
  either,
  firstDay,
  ID,
  part,
  personAt,
  practiceOn,
  RECEIVED,
  refuseWhen,
  rule,
} from "./extract.ts";
import { codeOf, fail, type MapContext, type MedicationRow, type SourceRow } from "./fields.ts";

// Clinical facts, from any source, declared as tables of (catalogue column, extractor): conditions,
// observations (a number, a coded value such as a smoking status, and each component such as a blood pressure's
// systolic and diastolic as a row of its own), allergies, procedures, immunisations and diagnostic reports become
// coded entries; medication requests and statements become medicines, named by a code, a contained Medication or
// one the source sent (a Medication, declared here too: kept for the requests that name it). Columns are read in
// the order listed: the first that fails gives the reject's reason.

/** code_system and code, from the first coding with a system and a code at `path`. */
function codedAt(path: string): [Column, Column] {
  const c = at(path, coding);
  return [
    ["code_system", part(c, "system", "its system")],
    ["code", part(c, "code", "its code")],
  ];
}

const ENTRY_PRACTICE: Column = ["practice_code", practiceOn("recorded_on")];

export const CONDITION = readAs("Condition", {
  title: "coded entry (condition)",
  table: "gp_entry",
  columns: [
    ["source_record_id", ID],
    ...codedAt("code"),
    ["recorded_on", firstDay(["recordedDate", "onsetDateTime", "onsetPeriod.start"])],
    ["person_id", personAt("subject")],
    ["entry_kind", always("condition")],
    ["received_at", RECEIVED],
    ENTRY_PRACTICE,
  ],
});

const VALUE_CODING = at("valueCodeableConcept", codingIfAny);

export const OBSERVATION = readAs("Observation", {
  title: "coded entry (observation), and one for each component",
  table: "gp_entry",
  columns: [
    ["source_record_id", ID],
    ["person_id", personAt("subject")],
    ...codedAt("code"),
    ["recorded_on", firstDay(["effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"])],
    ["received_at", RECEIVED],
    ["entry_kind", always("observation")],
    ["value", either(at("valueQuantity.value", asSent), at("valueInteger", asSent))],
    ["unit", either(at("valueQuantity.code", asSent), at("valueQuantity.unit", asSent))],
    ["value_code_system", part(VALUE_CODING, "system", "its system")],
    ["value_code", either(part(VALUE_CODING, "code", "its code"), at("valueBoolean", booleanText))],
    ENTRY_PRACTICE,
  ],
  parts: {
    each: "component",
    suffix: "component-",
    columns: ["code_system", "code", "value", "unit", "value_code_system", "value_code"],
  },
});

/** A resource read as one coded entry: its id, code, patient and day (the first of `dates` present). */
function codedEntry(
  resource: string,
  kind: string,
  read: { subject: string; code: string; dates: readonly string[]; refuse?: ReturnType<typeof refuseWhen> },
): FhirMapping {
  return readAs(resource, {
    title: `coded entry (${kind})`,
    table: "gp_entry",
    refuse: read.refuse ? [read.refuse] : [],
    columns: [
      ["source_record_id", ID],
      ...codedAt(read.code),
      ["person_id", personAt(read.subject)],
      ["recorded_on", firstDay(read.dates)],
      ["entry_kind", always(kind)],
      ["received_at", RECEIVED],
      ENTRY_PRACTICE,
    ],
  });
}

export const ALLERGY_INTOLERANCE = codedEntry("AllergyIntolerance", "allergy", {
  subject: "patient",
  code: "code",
  dates: ["recordedDate", "onsetDateTime", "onsetPeriod.start", "lastOccurrence"],
});

export const PROCEDURE = codedEntry("Procedure", "procedure", {
  subject: "subject",
  code: "code",
  dates: ["performedDateTime", "performedPeriod.start"],
});

export const IMMUNIZATION = codedEntry("Immunization", "immunisation", {
  subject: "patient",
  code: "vaccineCode",
  dates: ["occurrenceDateTime", "recorded"],
  refuse: refuseWhen(
    "status",
    ["not-done"],
    () => "Immunization.status is not-done: no immunisation was given",
  ),
});

export const DIAGNOSTIC_REPORT = codedEntry("DiagnosticReport", "report", {
  subject: "subject",
  code: "code",
  dates: ["effectiveDateTime", "effectivePeriod.start", "issued"],
});

const MEDICATION_CODE = at("code", coding);

/** A Medication the source sent, kept for the requests and statements that name it (no person's record). */
export const MEDICATION = readAs("Medication", {
  title: "a medicine, for the requests and statements that name it",
  table: "ingest_fhir_medication",
  columns: [
    ["resource_id", ID],
    ["code_system", part(MEDICATION_CODE, "system", "its system")],
    ["code", part(MEDICATION_CODE, "code", "its code")],
    [
      "display",
      rule("code", "the coding's display, else `code.text`, else its code", false, (m: Medication, f) => {
        const c = f.get(MEDICATION_CODE);
        return c.display ?? m.code?.text ?? c.code;
      }),
    ],
    ["received_at", RECEIVED],
  ],
});

const mapMedication = compile(MEDICATION);
const MEDICATION_COLUMNS: readonly string[] = CATALOGUE.ingest_fhir_medication.columnNames;

/** A Medication as a request naming it reads it (one the source sent, or contained), by its declaration. */
export function medicationRowOf(m: unknown, ctx: MapContext): MedicationRow {
  const [row] = mapMedication(m, ctx) as SourceRow[];
  const value = (column: string) => row.values[MEDICATION_COLUMNS.indexOf(column)] as string;
  return {
    resourceId: value("resource_id"),
    system: value("code_system"),
    code: value("code"),
    display: value("display"),
    receivedAt: value("received_at"),
  };
}

type Medicine = { system: string; code: string; display: string };

/** The medicine a request or statement names: a code, a contained Medication, or one the source sent. */
function medicineOf(
  r: { medicationCodeableConcept?: CodeableConcept; medicationReference?: Reference; contained?: unknown[] },
  type: string,
  ctx: MapContext,
): Medicine {
  if (r.medicationCodeableConcept) {
    const c = codeOf(r.medicationCodeableConcept, `${type}.medicationCodeableConcept`);
    return {
      system: c.system as string,
      code: c.code as string,
      display: c.display ?? r.medicationCodeableConcept.text ?? (c.code as string),
    };
  }
  const ref = r.medicationReference?.reference ?? "";
  if (ref.startsWith("#")) {
    const contained = (r.contained ?? []).find(
      (c) => (c as Medication).id === ref.slice(1) && (c as Medication).resourceType === "Medication",
    );
    if (!contained) fail(`${type}.medicationReference points to no contained Medication`);
    return medicationRowOf(contained, ctx);
  }
  const id = /(?:^|\/)Medication\/([A-Za-z0-9\-.]{1,64})$/.exec(ref)?.[1];
  if (!id) fail(`${type} needs medicationCodeableConcept or a medicationReference`);
  const known = ctx.medication(id as string);
  if (!known)
    fail(`${type}.medicationReference names a Medication OnePlace has not received (load it, then replay)`);
  return known as MedicationRow;
}

const MEDICINE = rule<Medicine>(
  "medicationCodeableConcept | medicationReference",
  "the medicine: the first coding with a system and a code (display: its display, else the text, else the code), or the Medication referenced (contained `#id`, or `Medication/<id>` the source sent; required)",
  false,
  (r: Parameters<typeof medicineOf>[0], f) => medicineOf(r, f.name, f.ctx),
);

const MEDICINE_NAMED: Column[] = [
  ["code_system", part(MEDICINE, "system", "its system")],
  ["code", part(MEDICINE, "code", "its code")],
  ["display", part(MEDICINE, "display", "its display")],
];

/** Whether the first coding's code is `continuous` (a repeat). */
const continuous: Converter<boolean> = {
  how: "`true` when its first coding's code is `continuous` (a repeat)",
  optional: false,
  convert: (v) => (v as CodeableConcept | undefined)?.coding?.[0]?.code === "continuous",
};

/** A medication issue: its id, the patient, the medicine, then the resource's own columns (its day first). */
function medicationIssue(resource: string, own: readonly Column[]): FhirMapping {
  return readAs(resource, {
    title: "medication issue",
    table: "medication_issue",
    columns: [
      ["source_record_id", ID],
      ["person_id", personAt("subject")],
      ...MEDICINE_NAMED,
      ...own,
      ["received_at", RECEIVED],
      ["practice_code", practiceOn("issued_on")],
    ],
  });
}

export const MEDICATION_REQUEST = medicationIssue("MedicationRequest", [
  ["issued_on", at("authoredOn", day)],
  ["is_repeat", at("courseOfTherapyType", continuous)],
  ["quantity", at("dispenseRequest.quantity.value", asSent)],
]);

export const MEDICATION_STATEMENT = medicationIssue("MedicationStatement", [
  ["issued_on", firstDay(["effectiveDateTime", "effectivePeriod.start", "dateAsserted"])],
  ["is_repeat", always(false)],
]);

/** The clinical resource types, each declared once. */
export const CLINICAL_MAPPINGS: readonly FhirMapping[] = [
  CONDITION,
  OBSERVATION,
  MEDICATION_REQUEST,
  MEDICATION_STATEMENT,
  ALLERGY_INTOLERANCE,
  PROCEDURE,
  IMMUNIZATION,
  DIAGNOSTIC_REPORT,
];
