import type {
  CodeableConcept,
  Condition,
  Immunization,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Reference,
} from "fhir/r4.js";
import {
  activity,
  codeOf,
  dateFrom,
  dateOf,
  fail,
  type MapContext,
  type Mapped,
  type MedicationRow,
  receivedAtOf,
  requireId,
  type SubjectRef,
  subjectOf,
} from "./fields.ts";

// Clinical facts, from any source: conditions, observations (a number, a coded value such as a smoking status,
// and each component such as a blood pressure's systolic and diastolic), allergies, procedures, immunisations and
// diagnostic reports become coded entries; medication requests and statements become medicines, named by a code,
// a contained Medication or one the source sent.

type EntryKind = "condition" | "observation" | "procedure" | "allergy" | "immunisation" | "report";

interface Entry {
  id: string;
  subject: SubjectRef;
  day: string;
  kind: EntryKind;
  system: string;
  code: string;
  value?: number | null;
  unit?: string | null;
  valueSystem?: string | null;
  valueCode?: string | null;
}

function entry(e: Entry, ctx: MapContext, received: string): Mapped {
  return activity(
    "gp_entry",
    { id: e.id, subject: e.subject, source: ctx.source, received },
    {
      recorded_on: e.day,
      entry_kind: e.kind,
      code_system: e.system,
      code: e.code,
      value: e.value,
      unit: e.unit,
      value_code_system: e.valueSystem,
      value_code: e.valueCode,
    },
    e.day,
  );
}

function mapCondition(c: Condition, ctx: MapContext): Mapped[] {
  const id = requireId(c, "Condition");
  const coding = codeOf(c.code, "Condition.code");
  const day = dateFrom("Condition", {
    recordedDate: c.recordedDate,
    onsetDateTime: c.onsetDateTime,
    "onsetPeriod.start": c.onsetPeriod?.start,
  });
  const e = {
    id,
    subject: subjectOf(c.subject, "Condition.subject"),
    day,
    kind: "condition" as const,
    system: coding.system as string,
    code: coding.code as string,
  };
  return [entry(e, ctx, receivedAtOf(c, ctx.at))];
}

type Valued = Pick<Observation, "valueQuantity" | "valueCodeableConcept" | "valueBoolean" | "valueInteger">;

function observedValue(o: Valued): Pick<Entry, "value" | "unit" | "valueSystem" | "valueCode"> {
  const coded = o.valueCodeableConcept?.coding?.find((c) => c.system && c.code);
  return {
    value: o.valueQuantity?.value ?? o.valueInteger ?? null,
    unit: o.valueQuantity?.code ?? o.valueQuantity?.unit ?? null,
    valueSystem: coded?.system ?? null,
    valueCode: coded?.code ?? (o.valueBoolean === undefined ? null : String(o.valueBoolean)),
  };
}

function mapObservation(o: Observation, ctx: MapContext): Mapped[] {
  const id = requireId(o, "Observation");
  const subject = subjectOf(o.subject, "Observation.subject");
  const coding = codeOf(o.code, "Observation.code");
  const day = dateFrom("Observation", {
    effectiveDateTime: o.effectiveDateTime,
    "effectivePeriod.start": o.effectivePeriod?.start,
    effectiveInstant: o.effectiveInstant,
    issued: o.issued,
  });
  const received = receivedAtOf(o, ctx.at);
  const base = { subject, day, kind: "observation" as const };
  const rows = [
    entry(
      { ...base, id, system: coding.system as string, code: coding.code as string, ...observedValue(o) },
      ctx,
      received,
    ),
  ];
  (o.component ?? []).forEach((c, i) => {
    const cc = codeOf(c.code, `Observation.component[${i}].code`);
    const row = entry(
      {
        ...base,
        id: `${id}#component-${i + 1}`,
        system: cc.system as string,
        code: cc.code as string,
        ...observedValue(c),
      },
      ctx,
      received,
    );
    rows.push({ ...row, part: true } as Mapped);
  });
  return rows;
}

/** How a coded-entry resource is read: the element naming its patient, its dates in the order tried, its code. */
interface CodedEntry {
  kind: EntryKind;
  subject: string;
  dates: readonly string[];
  code: string;
  /** Why a resource of this type that is valid is still no entry (an immunisation not given). */
  refuse?: (r: unknown) => string | null;
}

/** The resources read as one coded entry each, declared once (Condition and Observation have their own). */
const CODED_ENTRIES: Readonly<Record<string, CodedEntry>> = {
  AllergyIntolerance: {
    kind: "allergy",
    subject: "patient",
    dates: ["recordedDate", "onsetDateTime", "onsetPeriod.start", "lastOccurrence"],
    code: "code",
  },
  Procedure: {
    kind: "procedure",
    subject: "subject",
    dates: ["performedDateTime", "performedPeriod.start"],
    code: "code",
  },
  Immunization: {
    kind: "immunisation",
    subject: "patient",
    dates: ["occurrenceDateTime", "recorded"],
    code: "vaccineCode",
    refuse: (r) =>
      (r as Immunization).status === "not-done"
        ? "Immunization.status is not-done: no immunisation was given"
        : null,
  },
  DiagnosticReport: {
    kind: "report",
    subject: "subject",
    dates: ["effectiveDateTime", "effectivePeriod.start", "issued"],
    code: "code",
  },
};

/** An element by its dotted path (`onsetPeriod.start`). */
function element(r: unknown, path: string): unknown {
  let at = r;
  for (const key of path.split(".")) at = (at as Record<string, unknown> | undefined)?.[key];
  return at;
}

function mapCodedEntry(
  r: { id?: string; meta?: { lastUpdated?: string } },
  type: string,
  ctx: MapContext,
): Mapped[] {
  const read = CODED_ENTRIES[type];
  const refused = read.refuse?.(r);
  if (refused) fail(refused);
  const id = requireId(r, type);
  const coding = codeOf(element(r, read.code) as CodeableConcept | undefined, `${type}.${read.code}`);
  const e = {
    id,
    subject: subjectOf(element(r, read.subject) as Reference | undefined, `${type}.${read.subject}`),
    day: dateFrom(type, Object.fromEntries(read.dates.map((d) => [d, element(r, d) as string | undefined]))),
    kind: read.kind,
    system: coding.system as string,
    code: coding.code as string,
  };
  return [entry(e, ctx, receivedAtOf(r, ctx.at))];
}

/** A Medication's code, for a reference to it or as itself. */
export function medicationRowOf(m: Medication, at: string): MedicationRow {
  const id = requireId(m, "Medication");
  const c = codeOf(m.code, "Medication.code");
  return {
    resourceId: id,
    system: c.system as string,
    code: c.code as string,
    display: c.display ?? m.code?.text ?? (c.code as string),
    receivedAt: receivedAtOf(m, at),
  };
}

function medicineOf(
  r: { medicationCodeableConcept?: CodeableConcept; medicationReference?: Reference; contained?: unknown[] },
  type: string,
  ctx: MapContext,
): { system: string; code: string; display: string } {
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
    return medicationRowOf(contained as Medication, ctx.at);
  }
  const id = /(?:^|\/)Medication\/([A-Za-z0-9\-.]{1,64})$/.exec(ref)?.[1];
  if (!id) fail(`${type} needs medicationCodeableConcept or a medicationReference`);
  const known = ctx.medication(id as string);
  if (!known)
    fail(`${type}.medicationReference names a Medication OnePlace has not received (load it, then replay)`);
  return known as MedicationRow;
}

function mapMedicationRequest(m: MedicationRequest, ctx: MapContext): Mapped[] {
  const id = requireId(m, "MedicationRequest");
  const subject = subjectOf(m.subject, "MedicationRequest.subject");
  const med = medicineOf(m, "MedicationRequest", ctx);
  const day = dateOf(m.authoredOn, "MedicationRequest.authoredOn");
  const repeat = m.courseOfTherapyType?.coding?.[0]?.code === "continuous";
  const quantity = m.dispenseRequest?.quantity?.value ?? null;
  const received = receivedAtOf(m, ctx.at);
  return [
    activity(
      "medication_issue",
      { id, subject, source: ctx.source, received },
      {
        issued_on: day,
        code_system: med.system,
        code: med.code,
        display: med.display,
        quantity,
        is_repeat: repeat,
      },
      day,
    ),
  ];
}

function mapMedicationStatement(m: MedicationStatement, ctx: MapContext): Mapped[] {
  const id = requireId(m, "MedicationStatement");
  const subject = subjectOf(m.subject, "MedicationStatement.subject");
  const med = medicineOf(m, "MedicationStatement", ctx);
  const day = dateFrom("MedicationStatement", {
    effectiveDateTime: m.effectiveDateTime,
    "effectivePeriod.start": m.effectivePeriod?.start,
    dateAsserted: m.dateAsserted,
  });
  const received = receivedAtOf(m, ctx.at);
  return [
    activity(
      "medication_issue",
      { id, subject, source: ctx.source, received },
      { issued_on: day, code_system: med.system, code: med.code, display: med.display, is_repeat: false },
      day,
    ),
  ];
}

/** The clinical resource types, each mapped to its rows. */
export const CLINICAL_MAPPERS: Record<string, (r: unknown, ctx: MapContext) => Mapped[]> = {
  Condition: (r, ctx) => mapCondition(r as Condition, ctx),
  Observation: (r, ctx) => mapObservation(r as Observation, ctx),
  MedicationRequest: (r, ctx) => mapMedicationRequest(r as MedicationRequest, ctx),
  MedicationStatement: (r, ctx) => mapMedicationStatement(r as MedicationStatement, ctx),
  ...Object.fromEntries(
    Object.keys(CODED_ENTRIES).map((type) => [
      type,
      (r: unknown, ctx: MapContext) => mapCodedEntry(r as { id?: string }, type, ctx),
    ]),
  ),
};
