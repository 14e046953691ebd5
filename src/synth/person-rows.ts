import { NHS_NUMBER_SYSTEM, SNOMED_CT_SYSTEM } from "../core/codes.ts";
import { fromDayNumber } from "../core/dates.ts";
import type { Rng } from "../core/rng.ts";
import type { CopyValue, TableShape } from "../store/index.ts";
import type { GenerationContext } from "./context.ts";
import { randomUuid } from "./fast-uuid.ts";
import type { GpRecord } from "./gp-record.ts";
import type { Life } from "./life-events.ts";
import { FORMULARY } from "./medicines.ts";
import type { PersonBase } from "./person-model.ts";
import type { SourceRecord } from "./source-records.ts";
import { MEDICINE_CODE_SYSTEM, SOURCE_SYSTEM } from "./source-systems.ts";
import * as T from "./table-shapes.ts";
import { formatInstant, messageAt, nightlyExtractAt } from "./timestamps.ts";

// Turns one person's simulated life into rows for every table, with ids from the person's own id stream and
// provenance (source system, the system's id for the row, and when it arrived) derived from the events.

export type Row = [TableShape, CopyValue[]];

export interface PersonParts {
  base: PersonBase;
  life: Life;
  gp: GpRecord;
  records: SourceRecord[];
}

export function personRows(ctx: GenerationContext, parts: PersonParts, idRng: Rng): Row[] {
  const { base, life, gp, records } = parts;
  const { place, historyStart, historyEnd } = ctx;
  const rows: Row[] = [];
  const pid = base.id;
  const uuid = () => randomUuid(idRng);
  const idx = base.index.toString(36);
  let serial = 0;
  const recordId = (prefix: string) => `${prefix}-${idx}-${++serial}`;
  const date = (day: number | null) => (day === null ? null : fromDayNumber(day));
  const time = (t: number | null) => (t === null ? null : formatInstant(t));
  const extracted = (day: number) => nightlyExtractAt(Math.max(day, historyStart));
  const withinHistory = (day: number | null) => (day === null || day > historyEnd ? null : day);
  const acute = place.acute.code;

  // Who the person is: the golden record, each system's record of them, and the truth linking the two.
  const lastDay = life.exitDay ?? historyEnd;
  const address = life.addresses[life.addresses.length - 1];
  rows.push([
    T.PERSON,
    [
      pid,
      base.nhsNumber,
      base.name.family,
      base.name.given,
      fromDayNumber(base.birthDay),
      base.female ? "female" : "male",
      address.postcode,
      place.areas[address.areaIndex].code,
      base.ethnicCategory,
      SOURCE_SYSTEM.reference,
      `person-${idx}`,
      nightlyExtractAt(lastDay),
    ],
  ]);
  const gpRecord = records.find((r) => r.system === SOURCE_SYSTEM.gp);
  if (base.nhsNumber !== null) {
    rows.push([
      T.PERSON_IDENTIFIER,
      [
        pid,
        NHS_NUMBER_SYSTEM,
        base.nhsNumber,
        SOURCE_SYSTEM.gp,
        gpRecord?.receivedAt ?? extracted(base.arrivalDay),
      ],
    ]);
  }
  for (const r of records) {
    if (r.identifier)
      rows.push([
        T.PERSON_IDENTIFIER,
        [pid, r.identifier.system, r.identifier.value, r.system, r.receivedAt],
      ]);
    rows.push([
      T.PERSON_RECORD,
      [
        pid,
        r.system,
        r.recordId,
        r.nhsNumber,
        r.family,
        r.given,
        r.birthDate,
        r.sex,
        r.postcode,
        r.receivedAt,
      ],
    ]);
    rows.push([T.SYNTH_TRUTH, [pid, r.system, r.recordId]]);
  }

  for (const reg of life.registrations) {
    rows.push([
      T.REGISTRATION,
      [
        pid,
        uuid(),
        place.practices[reg.practiceIndex].code,
        date(reg.from),
        date(reg.to),
        reg.reason,
        SOURCE_SYSTEM.gp,
        recordId("reg"),
        extracted(reg.to ?? reg.from),
      ],
    ]);
  }
  if (life.death) {
    const d = life.death;
    rows.push([
      T.DEATH,
      [
        pid,
        date(d.day),
        d.place,
        d.cause,
        SOURCE_SYSTEM.deathRegistration,
        `death-${idx}`,
        nightlyExtractAt(d.day + 4),
      ],
    ]);
  }

  // Hospital activity, as the acute trust's PAS sends it (ADT-style: a few seconds after the event).
  const spellIds = life.spells.map(() => uuid());
  for (const s of life.spells) {
    const spellId = spellIds[s.ref];
    const last = s.discharged ?? s.admitted;
    rows.push([
      T.HOSPITAL_SPELL,
      [
        pid,
        spellId,
        acute,
        place.acuteMainSite.code,
        time(s.admitted),
        s.method,
        s.patientClass,
        s.specialty,
        s.diagnosis,
        time(s.discharged),
        s.dischargeMethod,
        s.destination,
        SOURCE_SYSTEM.acute,
        recordId("spell"),
        messageAt(last, 4),
      ],
    ]);
    for (const w of s.wards) {
      rows.push([
        T.WARD_STAY,
        [
          pid,
          uuid(),
          spellId,
          w.code,
          w.kind,
          time(w.start),
          time(w.end),
          SOURCE_SYSTEM.acute,
          recordId("ward"),
          messageAt(w.end ?? w.start, 6),
        ],
      ]);
    }
    if (s.delay) {
      const d = s.delay;
      rows.push([
        T.DELAYED_TRANSFER,
        [
          pid,
          uuid(),
          spellId,
          acute,
          date(d.readyDay),
          date(d.endDay),
          d.attribution,
          d.reason,
          SOURCE_SYSTEM.acute,
          recordId("dtoc"),
          nightlyExtractAt(d.endDay ?? d.readyDay),
        ],
      ]);
    }
  }
  for (const a of life.ae) {
    rows.push([
      T.AE_ATTENDANCE,
      [
        pid,
        uuid(),
        acute,
        time(a.arrived),
        time(a.departed),
        a.mode,
        a.disposal,
        SOURCE_SYSTEM.acute,
        recordId("ae"),
        messageAt(a.departed, 5),
      ],
    ]);
  }
  for (const o of life.outpatients) {
    rows.push([
      T.OUTPATIENT_ATTENDANCE,
      [
        pid,
        uuid(),
        acute,
        o.specialty,
        date(o.day),
        o.attendance,
        o.first,
        SOURCE_SYSTEM.acute,
        recordId("op"),
        nightlyExtractAt(o.day),
      ],
    ]);
  }

  for (const c of life.contacts) {
    const community = c.setting === "community";
    rows.push([
      T.CARE_CONTACT,
      [
        pid,
        uuid(),
        c.setting,
        community ? place.community.code : place.mentalHealth.code,
        c.service,
        date(c.day),
        c.mode,
        community ? SOURCE_SYSTEM.community : SOURCE_SYSTEM.mentalHealth,
        recordId("contact"),
        nightlyExtractAt(c.day),
      ],
    ]);
  }

  // The GP record.
  const practiceAt = practiceLookup(ctx, base, life);
  for (const e of gp.entries) {
    rows.push([
      T.GP_ENTRY,
      [
        pid,
        uuid(),
        practiceAt(e.day),
        date(e.day),
        e.kind,
        SNOMED_CT_SYSTEM,
        e.code,
        e.value,
        e.unit,
        SOURCE_SYSTEM.gp,
        recordId("gpe"),
        extracted(e.day),
      ],
    ]);
  }
  for (const m of gp.medications) {
    rows.push([
      T.MEDICATION_ISSUE,
      [
        pid,
        uuid(),
        practiceAt(m.day),
        date(m.day),
        MEDICINE_CODE_SYSTEM,
        m.code,
        FORMULARY.get(m.code)?.display ?? m.code,
        m.quantity,
        m.repeat,
        SOURCE_SYSTEM.gp,
        recordId("rx"),
        nightlyExtractAt(m.day),
      ],
    ]);
  }

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
        [
          pid,
          uuid(),
          clientFor(a.day),
          date(a.day),
          a.type,
          a.outcome,
          SOURCE_SYSTEM.socialCare,
          recordId("sca"),
          extracted(a.day),
        ],
      ]);
    }
    for (const s of life.social.services) {
      const end = withinHistory(s.end);
      rows.push([
        T.SOCIAL_CARE_SERVICE,
        [
          pid,
          uuid(),
          clientFor(s.start),
          s.type,
          date(s.start),
          date(end),
          s.funding,
          s.referral,
          s.afterSpellRef === null ? null : spellIds[s.afterSpellRef],
          s.hoursPerWeek,
          end === null ? null : s.endReason,
          SOURCE_SYSTEM.socialCare,
          recordId("scs"),
          extracted(end ?? s.start),
        ],
      ]);
    }
    const placementIds = life.social.placements.map(() => uuid());
    for (const p of life.social.placements) {
      const end = withinHistory(p.end);
      rows.push([
        T.CARE_HOME_PLACEMENT,
        [
          pid,
          placementIds[p.ref],
          clientFor(p.start),
          place.careHomes[p.careHomeIndex].code,
          p.careType,
          p.type,
          date(p.start),
          date(end),
          p.funding,
          p.followsRef === null ? null : placementIds[p.followsRef],
          end === null ? null : p.endReason,
          SOURCE_SYSTEM.socialCare,
          recordId("chp"),
          extracted(end ?? p.start),
        ],
      ]);
    }
  }

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
      [
        pid,
        uuid(),
        plan.type,
        date(plan.start),
        date(plan.reviewDue),
        date(withinHistory(plan.end)),
        plan.role,
        plan.leadOrgCode,
        source,
        recordId("plan"),
        extracted(plan.start),
      ],
    ]);
  }
  return rows;
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
