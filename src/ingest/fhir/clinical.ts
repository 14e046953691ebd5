import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Immunization,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
  Reference,
} from "fhir/r4.js";
import {
  codeOf,
  dateFrom,
  dateOf,
  fail,
  type MapContext,
  type Mapped,
  type MedicationRow,
  practiceActivity,
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
  return practiceActivity(
    "gp_entry",
    { id: e.id, subject: e.subject, day: e.day, source: ctx.source, received },
    [e.kind, e.system, e.code, e.value ?? null, e.unit ?? null],
    [e.valueSystem ?? null, e.valueCode ?? null],
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

function mapSimple(
  r: { id?: string; status?: string; code?: CodeableConcept; meta?: { lastUpdated?: string } },
  type: string,
  kind: EntryKind,
  subjectRef: Reference | undefined,
  subjectField: string,
  when: Readonly<Record<string, string | undefined>>,
  ctx: MapContext,
  code: CodeableConcept | undefined = r.code,
  codeField = "code",
): Mapped[] {
  const id = requireId(r, type);
  const coding = codeOf(code, `${type}.${codeField}`);
  const e = {
    id,
    subject: subjectOf(subjectRef, `${type}.${subjectField}`),
    day: dateFrom(type, when),
    kind,
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
    practiceActivity("medication_issue", { id, subject, day, source: ctx.source, received }, [
      med.system,
      med.code,
      med.display,
      quantity,
      repeat,
    ]),
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
    practiceActivity("medication_issue", { id, subject, day, source: ctx.source, received }, [
      med.system,
      med.code,
      med.display,
      null,
      false,
    ]),
  ];
}

/** The clinical resource types, each mapped to its rows. */
export const CLINICAL_MAPPERS: Record<string, (r: unknown, ctx: MapContext) => Mapped[]> = {
  Condition: (r, ctx) => mapCondition(r as Condition, ctx),
  Observation: (r, ctx) => mapObservation(r as Observation, ctx),
  MedicationRequest: (r, ctx) => mapMedicationRequest(r as MedicationRequest, ctx),
  MedicationStatement: (r, ctx) => mapMedicationStatement(r as MedicationStatement, ctx),
  AllergyIntolerance: (r, ctx) => {
    const a = r as AllergyIntolerance;
    return mapSimple(
      a,
      "AllergyIntolerance",
      "allergy",
      a.patient,
      "patient",
      {
        recordedDate: a.recordedDate,
        onsetDateTime: a.onsetDateTime,
        "onsetPeriod.start": a.onsetPeriod?.start,
        lastOccurrence: a.lastOccurrence,
      },
      ctx,
    );
  },
  Procedure: (r, ctx) => {
    const p = r as Procedure;
    return mapSimple(
      p,
      "Procedure",
      "procedure",
      p.subject,
      "subject",
      { performedDateTime: p.performedDateTime, "performedPeriod.start": p.performedPeriod?.start },
      ctx,
    );
  },
  Immunization: (r, ctx) => {
    const i = r as Immunization;
    if (i.status === "not-done") fail("Immunization.status is not-done: no immunisation was given");
    return mapSimple(
      i,
      "Immunization",
      "immunisation",
      i.patient,
      "patient",
      { occurrenceDateTime: i.occurrenceDateTime, recorded: i.recorded },
      ctx,
      i.vaccineCode,
      "vaccineCode",
    );
  },
  DiagnosticReport: (r, ctx) => {
    const d = r as DiagnosticReport;
    return mapSimple(
      d,
      "DiagnosticReport",
      "report",
      d.subject,
      "subject",
      {
        effectiveDateTime: d.effectiveDateTime,
        "effectivePeriod.start": d.effectivePeriod?.start,
        issued: d.issued,
      },
      ctx,
    );
  },
};
