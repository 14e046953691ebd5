import type { CanonicalName, Row } from "./catalogue.ts";
import type { Queryable } from "./db.ts";

/** What is loaded: aggregate counts only, no personal data. */
export interface PlaceSummary {
  people: number;
  registeredNow: number;
  practices: number;
  localities: number;
  organisations: number;
  eventsByKind: { kind: string; table: string; rows: number }[];
  historyFrom: string | null;
  historyTo: string | null;
  lastLoad: { description: string; finishedAt: string | null; status: string } | null;
}

/** What each canonical table holds, in the order the summary lists them (registrations are not events). */
const EVENT_KINDS = {
  hospital_spell: "Hospital spells",
  ward_stay: "Ward stays",
  ae_attendance: "A&E attendances",
  outpatient_attendance: "Outpatient attendances",
  care_contact: "Community and mental health contacts",
  gp_entry: "GP coded entries",
  medication_issue: "Medication issues",
  social_care_assessment: "Social care assessments",
  social_care_service: "Social care services",
  care_home_placement: "Care home placements",
  delayed_transfer: "Delayed transfers of care",
  care_plan: "Joint care plans",
  death: "Deaths",
} as const satisfies Record<Exclude<CanonicalName, "registration">, string>;

export const EVENT_TABLES: readonly { kind: string; table: string }[] = Object.entries(EVENT_KINDS).map(
  ([table, kind]) => ({ kind, table }),
);

export async function placeSummary(db: Queryable): Promise<PlaceSummary> {
  const counts = await db.query<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM person) AS people,
       (SELECT count(DISTINCT person_id) FROM registration WHERE deregistered_on IS NULL) AS registered_now,
       (SELECT count(*) FROM organisation WHERE kind = 'practice') AS practices,
       (SELECT count(*) FROM organisation WHERE kind = 'locality') AS localities,
       (SELECT count(*) FROM organisation) AS organisations,
       ${EVENT_TABLES.map((t, i) => `(SELECT count(*) FROM ${t.table}) AS e${i}`).join(",\n       ")}`,
  );
  const row = counts[0];
  const span = await db.query<{ from: string | null; to: string | null }>(
    `SELECT min(admitted_at)::date::text AS "from", max(admitted_at)::date::text AS "to" FROM hospital_spell`,
  );
  const load = await db.query<Pick<Row<"data_load">, "description" | "finished_at" | "status">>(
    "SELECT description, finished_at, status FROM data_load ORDER BY started_at DESC LIMIT 1",
  );
  return {
    people: row.people,
    registeredNow: row.registered_now,
    practices: row.practices,
    localities: row.localities,
    organisations: row.organisations,
    eventsByKind: EVENT_TABLES.map((t, i) => ({ ...t, rows: row[`e${i}`] })),
    historyFrom: span[0]?.from ?? null,
    historyTo: span[0]?.to ?? null,
    lastLoad: load[0]
      ? {
          description: load[0].description,
          finishedAt: load[0].finished_at?.toISOString() ?? null,
          status: load[0].status,
        }
      : null,
  };
}

export async function isPlaceEmpty(db: Queryable): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM person LIMIT 1");
  return rows.length === 0;
}
