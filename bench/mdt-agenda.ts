// MDT agendas at Thurrock scale: the time to schedule a meeting for a practice MDT (the rules drawn over the
// practice's register, the access filter over the people found with its audit row, the agenda saved) and to
// open the agenda (the list filter, the items, actions carried from earlier meetings), through the governed
// reader. Target: an agenda for a practice of ~10,000 people well under a second (issue 11: ≤ 300 ms from a
// register of 1,000). The place is written straight into the tables (people, registrations, the latest
// stratification, admissions, plans), not through the synthetic place, so the bench starts in seconds.
//
//   node bench/mdt-agenda.ts [practice=10000] [elsewhere=40000] [meetings=12]   (DATABASE_URL=postgres://... for PostgreSQL)
import { createReader, loadUserInRole } from "../src/governance/index.ts";
import { createTeams, createUserInRole, insertOrganisations, ORGS } from "../test/governance/fixtures.ts";
import { openBenchDb } from "./ingest-bench-db.ts";

const practice = Number(process.argv[2] ?? 10_000);
const elsewhere = Number(process.argv[3] ?? 40_000);
const meetings = Number(process.argv[4] ?? 12);
const bench = await openBenchDb();
const { db } = bench;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (label: string, times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(40)} n=${s.length}  p50 ${percentile(s, 50).toFixed(1)} ms  p95 ${percentile(s, 95).toFixed(1)} ms  max ${s.at(-1)?.toFixed(1)} ms`,
  );
};

/** A version-4 shaped id from text (the access check reads only well-formed person ids). */
const uuidOf = (sqlText: string) =>
  `overlay(overlay(md5(${sqlText}) placing '4' from 13) placing '8' from 17)::uuid`;

/** People at a practice with the tiers, admissions and plans of a real register (deterministic by row number). */
async function place(practiceCode: string, n: number, offset: number): Promise<void> {
  await db.query(
    `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, source_system, source_record_id, received_at)
     SELECT ${uuidOf("'mdt-bench-' || g")}, lpad((9000000000 + g)::text, 10, '0'), 'Bench' || g, 'Person', date '1940-01-01' + (g % 20000),
            CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END, 'bench', 'p' || g, now()
       FROM generate_series($1::int + 1, $1::int + $2::int) g`,
    [offset, n],
  );
  await db.query(
    `INSERT INTO person_by_nhs_number (nhs_number, person_id)
     SELECT lpad((9000000000 + g)::text, 10, '0'), ${uuidOf("'mdt-bench-' || g")}
       FROM generate_series($1::int + 1, $1::int + $2::int) g`,
    [offset, n],
  );
  await db.query(
    `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, source_system, source_record_id, received_at)
     SELECT ${uuidOf("'mdt-bench-' || g")}, ${uuidOf("'mdt-bench-reg-' || g")}, $3, '2010-01-01', 'bench', 'r' || g, now()
       FROM generate_series($1::int + 1, $1::int + $2::int) g`,
    [offset, n, practiceCode],
  );
  // Tiers as a stratification leaves them: 0.5% very high, 2.5% high, 7% rising, the rest low.
  await db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, locality_code, deficit_mask, deficit_count,
       efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
       emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
       outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
       unplanned_contacts_12m, social_care_now, social_care_12m, care_home, hiu, probability, risk_percentile,
       risk_tier, scored_at)
     SELECT ${uuidOf("'mdt-bench-' || g")}, '00000000-0000-4000-8000-000000000001', '2026-03-01', 40 + g % 55, 'female', $3, $4, 0, g % 12,
            'mild', g % 6, g % 9, g % 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, false,
            (1000 - g % 1000) / 1000.0, (1000 - g % 1000) / 10.0,
            CASE WHEN g % 1000 < 5 THEN 'very-high' WHEN g % 1000 < 30 THEN 'high' WHEN g % 1000 < 100 THEN 'rising' ELSE 'low' END,
            now()
       FROM generate_series($1::int + 1, $1::int + $2::int) g`,
    [offset, n, practiceCode, ORGS.locality],
  );
  // A third of the high tiers admitted in the last two months; two in five with a joint plan, some due review.
  await db.query(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class, discharged_at,
       source_system, source_record_id, received_at)
     SELECT ${uuidOf("'mdt-bench-' || g")}, ${uuidOf("'mdt-bench-spell-' || g")}, 'ZZA01', timestamptz '2026-01-10' + (g % 60) * interval '1 day',
            'emergency', 'inpatient', timestamptz '2026-01-12' + (g % 60) * interval '1 day', 'bench', 's' || g, now()
       FROM generate_series($1::int + 1, $1::int + $2::int) g WHERE g % 1000 < 30 AND g % 3 = 0`,
    [offset, n],
  );
  await db.query(
    `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, lead_professional_role, lead_org_code,
       source_system, source_record_id, received_at)
     SELECT ${uuidOf("'mdt-bench-' || g")}, ${uuidOf("'mdt-bench-plan-' || g")}, 'joint-health-social', '2025-06-01',
            date '2026-01-01' + (g % 180), 'gp', $3, 'bench', 'c' || g, now()
       FROM generate_series($1::int + 1, $1::int + $2::int) g WHERE g % 1000 < 30 AND g % 5 < 2`,
    [offset, n, practiceCode],
  );
}

try {
  const t0 = performance.now();
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "bench.mdt", "practice-mdt-coordinator", "practice");
  await place(ORGS.practice, practice, 0);
  await place(ORGS.otherPractice, elsewhere, practice);
  await db.query("ANALYZE");
  console.log(
    `Placed ${practice.toLocaleString("en-GB")} people at the practice and ${elsewhere.toLocaleString("en-GB")} elsewhere in ${((performance.now() - t0) / 1000).toFixed(1)} s (${db.engine}).`,
  );
  const found = await loadUserInRole(db, "bench.mdt", "practice-mdt-coordinator", "riverside-practice");
  if (!found) throw new Error("the bench coordinator has no role");
  const reader = createReader(db, { ...found, purpose: "direct-care", origin: { channel: "bench" } });

  const schedule: number[] = [];
  const open: number[] = [];
  const sizes: number[] = [];
  for (let m = 0; m < meetings; m++) {
    const heldOn = new Date(Date.UTC(2026, 2, 3 + 7 * m)).toISOString().slice(0, 10);
    let t = performance.now();
    const made = await reader.scheduleMdtMeeting({
      title: `Weekly MDT ${m + 1}`,
      heldOn,
      startsAt: "13:00",
      location: "",
      cohortId: null,
      rules: ["very-high-new", "admitted-since-last", "review-due", "no-plan"],
      tiers: ["very-high", "high"],
      size: 40,
    });
    schedule.push(performance.now() - t);
    t = performance.now();
    const view = await reader.mdtMeeting(made.meetingId);
    open.push(performance.now() - t);
    sizes.push(view.meeting.items.length);
    // Each meeting agrees an action for its first three people, left open: the next carries them.
    for (const item of view.meeting.items.slice(0, 3)) {
      await reader.addMdtAction(made.meetingId, item.personId, {
        description: "Review medicines",
        owner: "Dr Bench",
        ownerExternal: true,
        organisation: "Riverside practice",
        dueOn: heldOn,
      });
    }
  }
  console.log(`Agenda sizes: ${sizes.join(", ")} people.`);
  summary("schedule (draw, filter, audit, save)", schedule);
  summary("open the agenda (filter, items, actions)", open);
} finally {
  await bench.dispose();
}
