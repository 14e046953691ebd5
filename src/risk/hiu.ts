// High Intensity Users: people with high non-elective activity across acute, community and mental health,
// combined with frailty (thresholds in risk settings). Their activity per quarter by locality, so the
// percentage reduction can be reported, excluding people who died in the period.
import { addDays } from "../core/dates.ts";
import { financialQuarterLabel, type Period, quartersIn } from "../core/periods.ts";
import { type Queryable, SqlParams } from "../store/index.ts";
import { readSettings } from "./settings.ts";
import { snapshotSql } from "./snapshot.ts";

export interface HiuQuarter {
  locality: string;
  quarter: string;
  label: string;
  people: number;
  emergencyAdmissions: number;
  aeAttendances: number;
  unplannedCommunityContacts: number;
  unplannedMentalHealthContacts: number;
  total: number;
  /** Change in total activity against the first quarter reported, as a share (-0.25 = a 25% reduction). */
  changeFromFirst: number | null;
}

export interface HiuReport {
  identifiedOn: string;
  from: string;
  to: string;
  identified: number;
  diedInPeriod: number;
  quarters: HiuQuarter[];
}

/**
 * Identifies HIUs as at `identifiedOn` (their 12 months to that date) and counts their activity in each
 * calendar quarter overlapping from..to, by the locality they were registered in on identification.
 * People who died on or before `to` are left out of every quarter.
 */
export async function hiuActivityByQuarter(
  db: Queryable,
  options: { identifiedOn: string; from: string; to: string },
): Promise<HiuReport> {
  const settings = await readSettings(db);
  const quarters: Period[] = quartersIn({ kind: "custom", id: "hiu", start: options.from, end: options.to });
  const p = new SqlParams();
  const snapshot = snapshotSql(p, { asOf: options.identifiedOn, hiu: settings.hiu });
  const start = p.add(quarters[0].start, "date");
  const end = p.add(quarters.at(-1)?.end ?? options.to, "date");
  const endNext = p.add(addDays(quarters.at(-1)?.end ?? options.to, 1), "date");
  const ids = p.add(
    quarters.map((q) => q.id),
    "text[]",
  );
  const starts = p.add(
    quarters.map((q) => q.start),
    "date[]",
  );
  const ends = p.add(
    quarters.map((q) => q.end),
    "date[]",
  );
  const unplanned = p.add(settings.hiu.unplannedServices, "text[]");
  const ts = (d: string) => `(${d}::timestamp AT TIME ZONE 'Europe/London')`;
  const rows = await db.query<{ kind: string; locality: string; quarter: string | null; n: number }>(
    `WITH identified AS (
       SELECT s.person_id, coalesce(s.locality_code, 'unknown') AS locality FROM (${snapshot}) s WHERE s.hiu
     ),
     cohort AS (
       SELECT i.* FROM identified i
       -- Not correlated: on a Citus cluster the snapshot is gathered on the coordinator, where a subquery per row
       -- cannot reach the distributed deaths.
       WHERE i.person_id NOT IN (SELECT d.person_id FROM death d WHERE d.died_on <= ${end})
     ),
     q AS (SELECT * FROM unnest(${ids}, ${starts}, ${ends}) AS q(id, start_on, end_on)),
     ev AS (
       SELECT h.person_id, (h.admitted_at AT TIME ZONE 'Europe/London')::date AS on_date, 'emergency' AS kind
       FROM hospital_spell h JOIN cohort c ON c.person_id = h.person_id
       WHERE h.admission_method = 'emergency' AND h.admitted_at >= ${ts(start)} AND h.admitted_at < ${ts(endNext)}
       UNION ALL
       SELECT a.person_id, (a.arrived_at AT TIME ZONE 'Europe/London')::date, 'ae'
       FROM ae_attendance a JOIN cohort c ON c.person_id = a.person_id
       WHERE a.arrived_at >= ${ts(start)} AND a.arrived_at < ${ts(endNext)}
       UNION ALL
       SELECT k.person_id, k.contact_on, k.setting
       FROM care_contact k JOIN cohort c ON c.person_id = k.person_id
       WHERE k.service = ANY(${unplanned}) AND k.contact_on >= ${start} AND k.contact_on <= ${end}
     )
     SELECT 'people' AS kind, locality, NULL AS quarter, count(*) AS n FROM cohort GROUP BY locality
     UNION ALL
     SELECT 'died', 'all', NULL, (SELECT count(*) FROM identified) - (SELECT count(*) FROM cohort)
     UNION ALL
     SELECT ev.kind, c.locality, q.id, count(*) FROM ev
       JOIN cohort c ON c.person_id = ev.person_id
       JOIN q ON ev.on_date BETWEEN q.start_on AND q.end_on
     GROUP BY ev.kind, c.locality, q.id`,
    p.values,
  );
  const people = new Map(rows.filter((r) => r.kind === "people").map((r) => [r.locality, r.n]));
  const died = rows.find((r) => r.kind === "died")?.n ?? 0;
  const count = (kind: string, locality: string, quarter: string) =>
    rows.find((r) => r.kind === kind && r.locality === locality && r.quarter === quarter)?.n ?? 0;
  const result: HiuQuarter[] = [];
  const localities = [...people.keys()].sort();
  for (const locality of [...localities, "place"]) {
    let first: number | null = null;
    for (const q of quarters) {
      const pick = (kind: string) =>
        locality === "place"
          ? localities.reduce((t, l) => t + count(kind, l, q.id), 0)
          : count(kind, locality, q.id);
      const row = {
        emergencyAdmissions: pick("emergency"),
        aeAttendances: pick("ae"),
        unplannedCommunityContacts: pick("community"),
        unplannedMentalHealthContacts: pick("mental-health"),
      };
      const total =
        row.emergencyAdmissions +
        row.aeAttendances +
        row.unplannedCommunityContacts +
        row.unplannedMentalHealthContacts;
      if (first === null) first = total;
      result.push({
        locality,
        quarter: q.id,
        label: financialQuarterLabel(q.id),
        people:
          locality === "place"
            ? localities.reduce((t, l) => t + (people.get(l) ?? 0), 0)
            : (people.get(locality) ?? 0),
        ...row,
        total,
        changeFromFirst: first ? (total - first) / first : null,
      });
    }
  }
  return {
    identifiedOn: options.identifiedOn,
    from: quarters[0].start,
    to: quarters.at(-1)?.end ?? options.to,
    identified: [...people.values()].reduce((a, b) => a + b, 0) + died,
    diedInPeriod: died,
    quarters: result,
  };
}
