// Hand-built event sets: a tiny place (two localities, three practices) and one call per event, with
// defaults for everything a test does not care about. Times are written in UTC at 10:00, the same English
// day in summer and winter.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../../src/store/index.ts";

export const L1 = "ZZL01";
export const L2 = "ZZL02";
export const P1 = "Z90001"; // in L1
export const P2 = "Z90002"; // in L1
export const P3 = "Z90003"; // in L2

const SRC = "test";
let seq = 0;
const rid = () => `r${++seq}-${randomUUID().slice(0, 8)}`;
const at = (date: string, time = "10:00:00") => `${date}T${time}Z`;

export class TestPlace {
  readonly db: Queryable;
  constructor(db: Queryable) {
    this.db = db;
  }

  async organisations(): Promise<void> {
    await this.db.exec(`
      INSERT INTO organisation (org_code, name, kind, source_system) VALUES
        ('${L1}', 'Riverside', 'locality', 'test'), ('${L2}', 'Marshes', 'locality', 'test'),
        ('ZZA01', 'Acute Trust', 'acute', 'test'), ('ZZC01', 'Council', 'council', 'test'),
        ('ZZH01', 'Oak House', 'care-home', 'test'), ('ZZH02', 'Elm Nursing Home', 'care-home', 'test');
      INSERT INTO organisation (org_code, name, kind, parent_code, source_system) VALUES
        ('${P1}', 'Riverside Surgery', 'practice', '${L1}', 'test'),
        ('${P2}', 'Quay Health Centre', 'practice', '${L1}', 'test'),
        ('${P3}', 'Marsh Lane Surgery', 'practice', '${L2}', 'test');
      INSERT INTO area (area_code, name, locality_code, imd_decile, source_system) VALUES
        ('A1', 'Area 1', '${L1}', 2, 'test'), ('A2', 'Area 2', '${L2}', 8, 'test');`);
  }

  /** A person registered from `registeredOn` (default 2000-01-01) at a practice; returns their id. */
  async person(options: {
    born: string;
    sex?: "female" | "male";
    practice?: string;
    registeredOn?: string;
    deregisteredOn?: string | null;
    reason?: "moved-practice" | "moved-away" | "died" | "other" | null;
    area?: string;
  }): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO person (person_id, family_name, given_name, birth_date, sex, area_code, source_system, source_record_id, received_at)
       VALUES ($1, 'Test', 'Person', $2, $3, $4, $5, $6, now())`,
      [id, options.born, options.sex ?? "female", options.area ?? "A1", SRC, rid()],
    );
    await this.register(id, {
      practice: options.practice ?? P1,
      from: options.registeredOn ?? "2000-01-01",
      to: options.deregisteredOn ?? null,
      reason: options.reason ?? null,
    });
    return id;
  }

  async register(
    personId: string,
    r: { practice: string; from: string; to?: string | null; reason?: string | null },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, deregistered_on, deregistration_reason,
         source_system, source_record_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
      [personId, randomUUID(), r.practice, r.from, r.to ?? null, r.reason ?? null, SRC, rid()],
    );
  }

  async death(personId: string, on: string): Promise<void> {
    await this.db.query(
      "INSERT INTO death (person_id, died_on, source_system, source_record_id, received_at) VALUES ($1, $2, $3, $4, now())",
      [personId, on, SRC, rid()],
    );
  }

  /** A hospital spell; discharged null while still in. Returns the spell id. */
  async spell(
    personId: string,
    s: {
      admitted: string;
      discharged?: string | null;
      method?: "emergency" | "elective" | "maternity" | "transfer" | "other";
      patientClass?: "inpatient" | "day-case";
      dischargeMethod?: "discharged" | "self-discharged" | "died" | "transferred";
      destination?: string;
      admittedTime?: string;
      strokeUnit?: boolean;
    },
  ): Promise<string> {
    const id = randomUUID();
    const discharged = s.discharged === undefined ? null : s.discharged;
    await this.db.query(
      `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
         discharged_at, discharge_method, discharge_destination, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'ZZA01', $3, $4, $5, $6, $7, $8, $9, $10, now())`,
      [
        personId,
        id,
        at(s.admitted, s.admittedTime),
        s.method ?? "emergency",
        s.patientClass ?? "inpatient",
        discharged ? at(discharged, "15:00:00") : null,
        discharged ? (s.dischargeMethod ?? "discharged") : null,
        discharged ? (s.destination ?? "19") : null,
        SRC,
        rid(),
      ],
    );
    if (s.strokeUnit) {
      await this.db.query(
        `INSERT INTO ward_stay (person_id, ward_stay_id, spell_id, ward_code, ward_kind, started_at, ended_at, source_system, source_record_id, received_at)
         VALUES ($1, $2, $3, 'SU', 'stroke-unit', $4, $5, $6, $7, now())`,
        [
          personId,
          randomUUID(),
          id,
          at(s.admitted, "12:00:00"),
          discharged ? at(discharged, "14:00:00") : null,
          SRC,
          rid(),
        ],
      );
    }
    return id;
  }

  async service(
    personId: string,
    s: {
      type: "reablement" | "telecare" | "home-care" | "day-care" | "direct-payment" | "equipment" | "meals";
      started: string;
      ended?: string | null;
      funding?: "council" | "self" | "nhs" | "joint";
      afterSpell?: string | null;
      hours?: number | null;
    },
  ): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO social_care_service (person_id, service_id, client_id, service_type, started_on, ended_on, funding,
         referral_source, after_spell_id, hours_per_week, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'C1', $3, $4, $5, $6, $7, $8, $9, $10, $11, now())`,
      [
        personId,
        id,
        s.type,
        s.started,
        s.ended ?? null,
        s.funding ?? "council",
        s.afterSpell ? "hospital-discharge" : "community",
        s.afterSpell ?? null,
        s.hours ?? null,
        SRC,
        rid(),
      ],
    );
    return id;
  }

  /** A hospital discharge into reablement: the spell and the reablement service that follows it. */
  async dischargedIntoReablement(
    personId: string,
    admitted: string,
    discharged: string,
    extra: { destination?: string } = {},
  ): Promise<string> {
    const spell = await this.spell(personId, { admitted, discharged, destination: extra.destination });
    await this.service(personId, { type: "reablement", started: discharged, ended: null, afterSpell: spell });
    return spell;
  }

  async placement(
    personId: string,
    p: {
      type: "permanent" | "trial" | "temporary" | "respite";
      started: string;
      ended?: string | null;
      careType?: "residential" | "nursing";
      funding?: "council" | "self" | "nhs-chc" | "joint";
      follows?: string | null;
      endReason?: string | null;
    },
  ): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO care_home_placement (person_id, placement_id, client_id, care_home_code, care_type, placement_type,
         started_on, ended_on, funding, follows_placement_id, end_reason, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'C1', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())`,
      [
        personId,
        id,
        p.careType === "nursing" ? "ZZH02" : "ZZH01",
        p.careType ?? "residential",
        p.type,
        p.started,
        p.ended ?? null,
        p.funding ?? "council",
        p.follows ?? null,
        p.endReason ?? null,
        SRC,
        rid(),
      ],
    );
    return id;
  }

  async delay(
    personId: string,
    d: { spell: string; ready: string; ended?: string | null; attribution?: "nhs" | "social-care" | "both" },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO delayed_transfer (person_id, delay_id, spell_id, provider_code, ready_on, ended_on, attribution, reason,
         source_system, source_record_id, received_at) VALUES ($1, $2, $3, 'ZZA01', $4, $5, $6, 'awaiting-care-package', $7, $8, now())`,
      [personId, randomUUID(), d.spell, d.ready, d.ended ?? null, d.attribution ?? "nhs", SRC, rid()],
    );
  }

  async carePlan(
    personId: string,
    c: {
      started: string;
      ended?: string | null;
      type?: "joint-health-social" | "end-of-life" | "crisis";
      lead?: string | null;
    },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, ended_on, lead_professional_role,
         source_system, source_record_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
      [
        personId,
        randomUUID(),
        c.type ?? "joint-health-social",
        c.started,
        c.ended ?? null,
        c.lead === undefined ? "gp" : c.lead,
        SRC,
        rid(),
      ],
    );
  }

  async gpCondition(personId: string, code: string, on: string): Promise<void> {
    await this.db.query(
      `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, source_system,
         source_record_id, received_at) VALUES ($1, $2, $3, $4, 'condition', 'http://snomed.info/sct', $5, $6, $7, now())`,
      [personId, randomUUID(), P1, on, code, SRC, rid()],
    );
  }

  async ae(personId: string, on: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ae_attendance (person_id, attendance_id, provider_code, arrived_at, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'ZZA01', $3, $4, $5, now())`,
      [personId, randomUUID(), at(on), SRC, rid()],
    );
  }

  async contact(
    personId: string,
    on: string,
    setting: "community" | "mental-health" = "community",
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO care_contact (person_id, contact_id, setting, provider_code, service, contact_on, source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, 'ZZA01', 'district-nursing', $4, $5, $6, now())`,
      [personId, randomUUID(), setting, on, SRC, rid()],
    );
  }

  async outpatient(
    personId: string,
    on: string,
    attendance: "attended" | "did-not-attend" = "attended",
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO outpatient_attendance (person_id, attendance_id, provider_code, appointment_on, attendance, first_attendance,
         source_system, source_record_id, received_at) VALUES ($1, $2, 'ZZA01', $3, $4, true, $5, $6, now())`,
      [personId, randomUUID(), on, attendance, SRC, rid()],
    );
  }
}

/** Adds n people at a practice aged `age` on `on` (for denominators). */
export async function addPeople(
  place: TestPlace,
  n: number,
  options: { age: number; on: string; practice?: string },
) {
  const ids: string[] = [];
  const year = Number(options.on.slice(0, 4)) - options.age;
  for (let i = 0; i < n; i++) {
    ids.push(await place.person({ born: `${year - 1}-06-15`, practice: options.practice }));
  }
  return ids;
}

/**
 * The engine tests' small place: the organisations, then three people born in 1940 (two at P1, one at P3),
 * each in hospital 1-3 May 2015. The people's ids are in that order.
 */
export async function smallAdmittedPlace(db: Queryable): Promise<{ place: TestPlace; people: string[] }> {
  const place = new TestPlace(db);
  await place.organisations();
  const people: string[] = [];
  for (const practice of [P1, P1, P3]) {
    const id = await place.person({ born: "1940-01-01", practice });
    people.push(id);
    await place.spell(id, { admitted: "2015-05-01", discharged: "2015-05-03" });
  }
  return { place, people };
}
