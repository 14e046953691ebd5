import { NHS_NUMBER_SYSTEM, SNOMED_CT_SYSTEM } from "../core/codes.ts";
import type { Rng } from "../core/rng.ts";
import type { GenerationContext } from "./context.ts";
import { randomUuid } from "./fast-uuid.ts";
import type { GpRecord } from "./gp-record.ts";
import type { Life } from "./life-events.ts";
import { FORMULARY } from "./medicines.ts";
import type { PersonBase } from "./person-model.ts";
import type { SourceRecord } from "./source-records.ts";
import { MEDICINE_CODE_SYSTEM, SOURCE_SYSTEM } from "./source-systems.ts";
import type { SynthRow } from "./table-shapes.ts";
import * as T from "./table-shapes.ts";
import { dateText, formatInstant, messageAt, nightlyExtractAt } from "./timestamps.ts";

// Turns one person's simulated life into rows for every table, with ids from the person's own id stream and
// provenance (source system, the system's id for the row, and when it arrived) derived from the events.

export interface PersonParts {
  base: PersonBase;
  life: Life;
  gp: GpRecord;
  records: SourceRecord[];
}

/** What every part of a person's rows is made with: the person, their id streams and the day conversions. */
interface RowKit {
  ctx: GenerationContext;
  parts: PersonParts;
  rows: SynthRow[];
  pid: string;
  /** The person's index in base 36, in their source record ids. */
  idx: string;
  acute: string;
  idRng: Rng;
  uuid(): string;
  /** The next source record id with this prefix (one serial across the person's rows). */
  recordId(prefix: string): string;
  /** Null in, null out: typed so that a day that is always there gives a value a NOT NULL column accepts. */
  date<D extends number | null>(day: D): D extends number ? string : string | null;
  time<D extends number | null>(t: D): D extends number ? string : string | null;
  /** The nightly extract that carried a row about this day (none before the history starts). */
  extracted(day: number): string;
  /** The day, or null when it is after the history ends. */
  withinHistory(day: number | null): number | null;
}

function rowKit(ctx: GenerationContext, parts: PersonParts, idRng: Rng): RowKit {
  const { historyStart, historyEnd } = ctx;
  const idx = parts.base.index.toString(36);
  let serial = 0;
  return {
    ctx,
    parts,
    rows: [],
    pid: parts.base.id,
    idx,
    acute: ctx.place.acute.code,
    idRng,
    uuid: () => randomUuid(idRng),
    recordId: (prefix: string) => `${prefix}-${idx}-${++serial}`,
    date: <D extends number | null>(day: D) =>
      (day === null ? null : dateText(day)) as D extends number ? string : string | null,
    time: <D extends number | null>(t: D) =>
      (t === null ? null : formatInstant(t)) as D extends number ? string : string | null,
    extracted: (day: number) => nightlyExtractAt(Math.max(day, historyStart)),
    withinHistory: (day: number | null) => (day === null || day > historyEnd ? null : day),
  };
}

/**
 * Every row of one person. The parts run in this order because they draw ids from one stream: reordering
 * them changes the output.
 */
export function personRows(ctx: GenerationContext, parts: PersonParts, idRng: Rng): SynthRow[] {
  const k = rowKit(ctx, parts, idRng);
  identityRows(k);
  registrationAndDeathRows(k);
  const spellIds = hospitalRows(k);
  contactRows(k);
  gpRows(k);
  socialCareRows(k, spellIds);
  carePlanRows(k);
  return k.rows;
}

function identityRows(k: RowKit): void {
  const { ctx, rows, pid, idx, extracted } = k;
  const { base, life, records } = k.parts;
  const { place, historyEnd } = ctx;
  // Who the person is: the golden record, each system's record of them, and the truth linking the two.
  const lastDay = life.exitDay ?? historyEnd;
  const address = life.addresses[life.addresses.length - 1];
  rows.push([
    T.PERSON,
    {
      person_id: pid,
      nhs_number: base.nhsNumber,
      family_name: base.name.family,
      given_name: base.name.given,
      birth_date: dateText(base.birthDay),
      sex: base.female ? "female" : "male",
      postcode: address.postcode,
      area_code: place.areas[address.areaIndex].code,
      ethnic_category: base.ethnicCategory,
      source_system: SOURCE_SYSTEM.reference,
      source_record_id: `person-${idx}`,
      received_at: nightlyExtractAt(lastDay),
    },
  ]);
  const gpRecord = records.find((r) => r.system === SOURCE_SYSTEM.gp);
  if (base.nhsNumber !== null) {
    // The number's route (store/nhs-number-routes.ts), in step with the golden record from the start.
    rows.push([T.PERSON_BY_NHS_NUMBER, { nhs_number: base.nhsNumber, person_id: pid }]);
    rows.push([
      T.PERSON_IDENTIFIER,
      {
        person_id: pid,
        system: NHS_NUMBER_SYSTEM,
        value: base.nhsNumber,
        source_system: SOURCE_SYSTEM.gp,
        received_at: gpRecord?.receivedAt ?? extracted(base.arrivalDay),
      },
    ]);
  }
  for (const r of records) {
    if (r.identifier)
      rows.push([
        T.PERSON_IDENTIFIER,
        {
          person_id: pid,
          system: r.identifier.system,
          value: r.identifier.value,
          source_system: r.system,
          received_at: r.receivedAt,
        },
      ]);
    rows.push([
      T.PERSON_RECORD,
      {
        person_id: pid,
        source_system: r.system,
        source_record_id: r.recordId,
        nhs_number: r.nhsNumber,
        family_name: r.family,
        given_name: r.given,
        birth_date: r.birthDate,
        sex: r.sex,
        postcode: r.postcode,
        received_at: r.receivedAt,
      },
    ]);
    rows.push([T.SYNTH_TRUTH, { person_id: pid, source_system: r.system, source_record_id: r.recordId }]);
  }
}

function registrationAndDeathRows(k: RowKit): void {
  const { ctx, rows, pid, idx, uuid, recordId, date, extracted } = k;
  const { life } = k.parts;
  const { place } = ctx;
  for (const reg of life.registrations) {
    rows.push([
      T.REGISTRATION,
      {
        person_id: pid,
        registration_id: uuid(),
        practice_code: place.practices[reg.practiceIndex].code,
        registered_on: date(reg.from),
        deregistered_on: date(reg.to),
        deregistration_reason: reg.reason,
        source_system: SOURCE_SYSTEM.gp,
        source_record_id: recordId("reg"),
        received_at: extracted(reg.to ?? reg.from),
        subject_record_id: null,
      },
    ]);
  }
  if (life.death) {
    const d = life.death;
    rows.push([
      T.DEATH,
      {
        person_id: pid,
        died_on: date(d.day),
        place_of_death: d.place,
        underlying_cause: d.cause,
        source_system: SOURCE_SYSTEM.deathRegistration,
        source_record_id: `death-${idx}`,
        received_at: nightlyExtractAt(d.day + 4),
      },
    ]);
  }
}

/** Hospital spells, ward stays, delays, A&E and outpatients; returns each spell's id by its ref. */
function hospitalRows(k: RowKit): string[] {
  const { ctx, rows, pid, uuid, recordId, date, time, acute } = k;
  const { life } = k.parts;
  const { place } = ctx;
  // Hospital activity, as the acute trust's PAS sends it (ADT-style: a few seconds after the event).
  const spellIds = life.spells.map(() => uuid());
  for (const s of life.spells) {
    const spellId = spellIds[s.ref];
    const last = s.discharged ?? s.admitted;
    rows.push([
      T.HOSPITAL_SPELL,
      {
        person_id: pid,
        spell_id: spellId,
        provider_code: acute,
        site_code: place.acuteMainSite.code,
        admitted_at: time(s.admitted),
        admission_method: s.method,
        patient_class: s.patientClass,
        specialty_code: s.specialty,
        primary_diagnosis: s.diagnosis,
        discharged_at: time(s.discharged),
        discharge_method: s.dischargeMethod,
        discharge_destination: s.destination,
        source_system: SOURCE_SYSTEM.acute,
        source_record_id: recordId("spell"),
        received_at: messageAt(last, 4),
      },
    ]);
    for (const w of s.wards) {
      rows.push([
        T.WARD_STAY,
        {
          person_id: pid,
          ward_stay_id: uuid(),
          spell_id: spellId,
          ward_code: w.code,
          ward_kind: w.kind,
          started_at: time(w.start),
          ended_at: time(w.end),
          source_system: SOURCE_SYSTEM.acute,
          source_record_id: recordId("ward"),
          received_at: messageAt(w.end ?? w.start, 6),
        },
      ]);
    }
    if (s.delay) {
      const d = s.delay;
      rows.push([
        T.DELAYED_TRANSFER,
        {
          person_id: pid,
          delay_id: uuid(),
          spell_id: spellId,
          provider_code: acute,
          ready_on: date(d.readyDay),
          ended_on: date(d.endDay),
          attribution: d.attribution,
          reason: d.reason,
          source_system: SOURCE_SYSTEM.acute,
          source_record_id: recordId("dtoc"),
          received_at: nightlyExtractAt(d.endDay ?? d.readyDay),
          subject_record_id: null,
        },
      ]);
    }
  }
  for (const a of life.ae) {
    rows.push([
      T.AE_ATTENDANCE,
      {
        person_id: pid,
        attendance_id: uuid(),
        provider_code: acute,
        arrived_at: time(a.arrived),
        departed_at: time(a.departed),
        arrival_mode: a.mode,
        disposal: a.disposal,
        source_system: SOURCE_SYSTEM.acute,
        source_record_id: recordId("ae"),
        received_at: messageAt(a.departed, 5),
      },
    ]);
  }
  for (const o of life.outpatients) {
    rows.push([
      T.OUTPATIENT_ATTENDANCE,
      {
        person_id: pid,
        attendance_id: uuid(),
        provider_code: acute,
        specialty_code: o.specialty,
        appointment_on: date(o.day),
        attendance: o.attendance,
        first_attendance: o.first,
        source_system: SOURCE_SYSTEM.acute,
        source_record_id: recordId("op"),
        received_at: nightlyExtractAt(o.day),
      },
    ]);
  }
  return spellIds;
}

function contactRows(k: RowKit): void {
  const { ctx, rows, pid, uuid, recordId, date } = k;
  const { life } = k.parts;
  const { place } = ctx;
  for (const c of life.contacts) {
    const community = c.setting === "community";
    rows.push([
      T.CARE_CONTACT,
      {
        person_id: pid,
        contact_id: uuid(),
        setting: c.setting,
        provider_code: community ? place.community.code : place.mentalHealth.code,
        service: c.service,
        contact_on: date(c.day),
        contact_mode: c.mode,
        source_system: community ? SOURCE_SYSTEM.community : SOURCE_SYSTEM.mentalHealth,
        source_record_id: recordId("contact"),
        received_at: nightlyExtractAt(c.day),
      },
    ]);
  }
}

function gpRows(k: RowKit): void {
  const { ctx, rows, pid, uuid, recordId, date, extracted } = k;
  const { base, life, gp } = k.parts;
  // The GP record.
  const practiceAt = practiceLookup(ctx, base, life);
  for (const e of gp.entries) {
    rows.push([
      T.GP_ENTRY,
      {
        person_id: pid,
        entry_id: uuid(),
        practice_code: practiceAt(e.day),
        recorded_on: date(e.day),
        entry_kind: e.kind,
        code_system: SNOMED_CT_SYSTEM,
        code: e.code,
        value: e.value,
        unit: e.unit,
        source_system: SOURCE_SYSTEM.gp,
        source_record_id: recordId("gpe"),
        received_at: extracted(e.day),
        value_code_system: null,
        value_code: null,
        subject_record_id: null,
      },
    ]);
  }
  for (const m of gp.medications) {
    rows.push([
      T.MEDICATION_ISSUE,
      {
        person_id: pid,
        issue_id: uuid(),
        practice_code: practiceAt(m.day),
        issued_on: date(m.day),
        code_system: MEDICINE_CODE_SYSTEM,
        code: m.code,
        display: FORMULARY.get(m.code)?.display ?? m.code,
        quantity: m.quantity,
        is_repeat: m.repeat,
        source_system: SOURCE_SYSTEM.gp,
        source_record_id: recordId("rx"),
        received_at: nightlyExtractAt(m.day),
      },
    ]);
  }
}

function socialCareRows(k: RowKit, spellIds: string[]): void {
  const { ctx, rows, pid, uuid, recordId, date, extracted, withinHistory, idRng } = k;
  const { life, records } = k.parts;
  const { place } = ctx;
  // Social care, against the client record (or its duplicate) the council used at the time.
  const clients = records.filter((r) => r.system === SOURCE_SYSTEM.socialCare);
  if (clients.length > 0) {
    const primary = clients[0].recordId;
    const duplicate = clients[1];
    const clientFor = (day: number) =>
      duplicate && day >= (duplicate.usedFrom ?? Number.POSITIVE_INFINITY) && idRng.next() < 0.7
        ? duplicate.recordId
        : primary;
    for (const a of life.social.assessments) {
      rows.push([
        T.SOCIAL_CARE_ASSESSMENT,
        {
          person_id: pid,
          assessment_id: uuid(),
          client_id: clientFor(a.day),
          assessed_on: date(a.day),
          assessment_type: a.type,
          outcome: a.outcome,
          source_system: SOURCE_SYSTEM.socialCare,
          source_record_id: recordId("sca"),
          received_at: extracted(a.day),
        },
      ]);
    }
    for (const s of life.social.services) {
      const end = withinHistory(s.end);
      rows.push([
        T.SOCIAL_CARE_SERVICE,
        {
          person_id: pid,
          service_id: uuid(),
          client_id: clientFor(s.start),
          service_type: s.type,
          started_on: date(s.start),
          ended_on: date(end),
          funding: s.funding,
          referral_source: s.referral,
          after_spell_id: s.afterSpellRef === null ? null : spellIds[s.afterSpellRef],
          hours_per_week: s.hoursPerWeek,
          end_reason: end === null ? null : s.endReason,
          source_system: SOURCE_SYSTEM.socialCare,
          source_record_id: recordId("scs"),
          received_at: extracted(end ?? s.start),
        },
      ]);
    }
    const placementIds = life.social.placements.map(() => uuid());
    for (const p of life.social.placements) {
      const end = withinHistory(p.end);
      rows.push([
        T.CARE_HOME_PLACEMENT,
        {
          person_id: pid,
          placement_id: placementIds[p.ref],
          client_id: clientFor(p.start),
          care_home_code: place.careHomes[p.careHomeIndex].code,
          care_type: p.careType,
          placement_type: p.type,
          started_on: date(p.start),
          ended_on: date(end),
          funding: p.funding,
          follows_placement_id: p.followsRef === null ? null : placementIds[p.followsRef],
          end_reason: end === null ? null : p.endReason,
          source_system: SOURCE_SYSTEM.socialCare,
          source_record_id: recordId("chp"),
          received_at: extracted(end ?? p.start),
        },
      ]);
    }
  }
}

function carePlanRows(k: RowKit): void {
  const { rows, pid, uuid, recordId, date, extracted, withinHistory } = k;
  const { life } = k.parts;
  for (const plan of life.carePlans) {
    const source =
      plan.role === "gp"
        ? SOURCE_SYSTEM.gp
        : plan.role === "social-worker"
          ? SOURCE_SYSTEM.socialCare
          : plan.role === "care-coordinator"
            ? SOURCE_SYSTEM.mentalHealth
            : SOURCE_SYSTEM.community;
    rows.push([
      T.CARE_PLAN,
      {
        person_id: pid,
        care_plan_id: uuid(),
        plan_type: plan.type,
        started_on: date(plan.start),
        review_due_on: date(plan.reviewDue),
        ended_on: date(withinHistory(plan.end)),
        lead_professional_role: plan.role,
        lead_org_code: plan.leadOrgCode,
        source_system: source,
        source_record_id: recordId("plan"),
        received_at: extracted(plan.start),
      },
    ]);
  }
}

/** The practice a person was registered with on a day (the first one for entries from before they joined). */
function practiceLookup(ctx: GenerationContext, base: PersonBase, life: Life): (day: number) => string {
  const practices = ctx.place.practices;
  const regs = life.registrations;
  if (regs.length === 0) {
    const code = practices[base.practiceIndex].code;
    return () => code;
  }
  if (regs.length === 1) {
    const code = practices[regs[0].practiceIndex].code;
    return () => code;
  }
  return (day: number) => {
    let index = regs[0].practiceIndex;
    for (const r of regs) if (r.from <= day) index = r.practiceIndex;
    return practices[index].code;
  };
}
