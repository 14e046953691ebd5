// Costs from unit costs: a table a place edits (unit_cost), applied to each person's activity in a window.
// Public cost only: self-funded care is not costed. Prices are those valid on a price date (default: the
// latest), so two periods are compared at the same prices.

import { invalid } from "../core/errors.ts";
import type { Period } from "../core/periods.ts";
import type { Queryable } from "../store/index.ts";
import { dayStart, londonDate } from "./measures/sql.ts";

export interface UnitCost {
  costId: string;
  validFrom: string;
  label: string;
  unit: string;
  amount: number;
  source: string;
}

export const COST_IDS = [
  "emergency-admission",
  "bed-day",
  "ae-attendance",
  "outpatient",
  "community-contact",
  "mental-health-contact",
  "home-care-week",
  "residential-week",
  "nursing-week",
  "reablement-episode",
  "telecare-week",
] as const;
export type CostId = (typeof COST_IDS)[number];

export async function unitCosts(db: Queryable, on?: string): Promise<UnitCost[]> {
  const rows = await db.query<{
    cost_id: string;
    valid_from: string;
    label: string;
    unit: string;
    amount: number;
    source: string;
  }>(
    `SELECT DISTINCT ON (cost_id) cost_id, valid_from, label, unit, amount, source FROM unit_cost
     WHERE $1::date IS NULL OR valid_from <= $1 ORDER BY cost_id, valid_from DESC`,
    [on ?? null],
  );
  return rows.map((r) => ({
    costId: r.cost_id,
    validFrom: r.valid_from,
    label: r.label,
    unit: r.unit,
    amount: r.amount,
    source: r.source,
  }));
}

/** Sets a unit cost from a date (replacing one already set from that date). */
export async function setUnitCost(
  db: Queryable,
  cost: { costId: string; amount: number; validFrom: string; source: string; label?: string; unit?: string },
): Promise<void> {
  if (!(COST_IDS as readonly string[]).includes(cost.costId)) {
    throw invalid(
      "outcomes.unit-cost",
      `Not a unit cost OnePlace applies: ${cost.costId} (one of ${COST_IDS.join(", ")})`,
    );
  }
  if (!Number.isFinite(cost.amount) || cost.amount < 0)
    throw invalid("outcomes.unit-cost", "A unit cost is a sum of 0 or more");
  const [current] = await db.query<{ label: string; unit: string }>(
    "SELECT label, unit FROM unit_cost WHERE cost_id = $1 ORDER BY valid_from DESC LIMIT 1",
    [cost.costId],
  );
  await db.query(
    `INSERT INTO unit_cost (cost_id, valid_from, label, unit, amount, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (cost_id, valid_from) DO UPDATE SET amount = excluded.amount, source = excluded.source,
       label = excluded.label, unit = excluded.unit, updated_at = excluded.updated_at`,
    [
      cost.costId,
      cost.validFrom,
      cost.label ?? current?.label ?? cost.costId,
      cost.unit ?? current?.unit ?? "unit",
      cost.amount,
      cost.source,
    ],
  );
}

export interface CostWindow {
  personId: string;
  start: string;
  end: string;
}

export interface WindowCost extends CostWindow {
  total: number;
  byComponent: Partial<Record<CostId, { units: number; cost: number }>>;
}

const publicFunding = "funding <> 'self'";
function overlapDays(startCol: string, lastCol: string): string {
  return `greatest(0, least(${lastCol}, w.end_on) - greatest(${startCol}, w.start_on) + 1)`;
}

/** The units of each costed activity in each window, as one statement over the event tables. */
const UNITS_SQL = `
  SELECT w.person_id, w.start_on, w.end_on, 'emergency-admission' AS cost_id, count(*)::numeric AS units
  FROM w JOIN hospital_spell h ON h.person_id = w.person_id AND h.admission_method = 'emergency'
    AND h.admitted_at >= ${dayStart("w.start_on")} AND h.admitted_at < ${dayStart("w.end_on + 1")}
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on, 'bed-day',
    sum(${overlapDays(londonDate("h.admitted_at"), `coalesce(${londonDate("h.discharged_at")}, w.end_on + 1) - 1`)})
  FROM w JOIN hospital_spell h ON h.person_id = w.person_id AND h.patient_class = 'inpatient'
    AND h.admitted_at < ${dayStart("w.end_on + 1")}
    AND (h.discharged_at IS NULL OR h.discharged_at >= ${dayStart("w.start_on + 1")})
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on, 'ae-attendance', count(*)
  FROM w JOIN ae_attendance a ON a.person_id = w.person_id
    AND a.arrived_at >= ${dayStart("w.start_on")} AND a.arrived_at < ${dayStart("w.end_on + 1")}
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on, 'outpatient', count(*)
  FROM w JOIN outpatient_attendance o ON o.person_id = w.person_id AND o.attendance = 'attended'
    AND o.appointment_on BETWEEN w.start_on AND w.end_on
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on,
    CASE c.setting WHEN 'community' THEN 'community-contact' ELSE 'mental-health-contact' END, count(*)
  FROM w JOIN care_contact c ON c.person_id = w.person_id AND c.contact_on BETWEEN w.start_on AND w.end_on
  GROUP BY 1, 2, 3, 4
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on,
    CASE s.service_type WHEN 'home-care' THEN 'home-care-week' ELSE 'telecare-week' END,
    sum(${overlapDays("s.started_on", "coalesce(s.ended_on, w.end_on)")})::numeric / 7
  FROM w JOIN social_care_service s ON s.person_id = w.person_id AND s.service_type IN ('home-care', 'telecare')
    AND s.${publicFunding} AND s.started_on <= w.end_on AND (s.ended_on IS NULL OR s.ended_on >= w.start_on)
  GROUP BY 1, 2, 3, 4
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on, 'reablement-episode', count(*)
  FROM w JOIN social_care_service s ON s.person_id = w.person_id AND s.service_type = 'reablement'
    AND s.${publicFunding} AND s.started_on BETWEEN w.start_on AND w.end_on
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT w.person_id, w.start_on, w.end_on, c.care_type || '-week',
    sum(${overlapDays("c.started_on", "coalesce(c.ended_on - 1, w.end_on)")})::numeric / 7
  FROM w JOIN care_home_placement c ON c.person_id = w.person_id AND c.${publicFunding}
    AND c.started_on <= w.end_on AND (c.ended_on IS NULL OR c.ended_on > w.start_on)
  GROUP BY 1, 2, 3, 4`;

/** The public cost of each person's activity in each window (windows may differ person by person). */
export async function costOfWindows(
  db: Queryable,
  windows: readonly CostWindow[],
  options: { priceDate?: string } = {},
): Promise<WindowCost[]> {
  if (windows.length === 0) return [];
  const rows = await db.query<{
    person_id: string;
    start_on: string;
    end_on: string;
    cost_id: CostId;
    units: number;
    cost: number;
  }>(
    `WITH w AS MATERIALIZED (
       SELECT DISTINCT * FROM unnest($1::uuid[], $2::date[], $3::date[]) AS w(person_id, start_on, end_on)),
     price AS (SELECT DISTINCT ON (cost_id) cost_id, amount FROM unit_cost
       WHERE $4::date IS NULL OR valid_from <= $4 ORDER BY cost_id, valid_from DESC),
     units AS (${UNITS_SQL})
     SELECT u.person_id::text AS person_id, u.start_on, u.end_on, u.cost_id, u.units,
       u.units * coalesce(p.amount, 0) AS cost
     FROM units u LEFT JOIN price p ON p.cost_id = u.cost_id
     WHERE u.units > 0`,
    [
      windows.map((w) => w.personId),
      windows.map((w) => w.start),
      windows.map((w) => w.end),
      options.priceDate ?? null,
    ],
  );
  const byKey = new Map<string, WindowCost>();
  const key = (p: string, s: string, e: string) => `${p}|${s}|${e}`;
  for (const w of windows) byKey.set(key(w.personId, w.start, w.end), { ...w, total: 0, byComponent: {} });
  for (const r of rows) {
    const entry = byKey.get(key(r.person_id, r.start_on, r.end_on));
    if (!entry) continue;
    const c = entry.byComponent[r.cost_id] ?? { units: 0, cost: 0 };
    c.units += Number(r.units);
    c.cost += Number(r.cost);
    entry.byComponent[r.cost_id] = c;
    entry.total += Number(r.cost);
  }
  return [...byKey.values()];
}

export interface CohortCost {
  people: number;
  total: number;
  perPerson: number;
  byComponent: Partial<Record<CostId, { units: number; cost: number }>>;
}

/** The public cost of a set of people over one period: total, mean per person, by component. */
export async function cohortCost(
  db: Queryable,
  personIds: readonly string[],
  period: Pick<Period, "start" | "end">,
  options: { priceDate?: string } = {},
): Promise<CohortCost> {
  const costs = await costOfWindows(
    db,
    personIds.map((personId) => ({ personId, start: period.start, end: period.end })),
    options,
  );
  const byComponent: CohortCost["byComponent"] = {};
  let total = 0;
  for (const c of costs) {
    total += c.total;
    for (const [id, v] of Object.entries(c.byComponent) as [CostId, { units: number; cost: number }][]) {
      const acc = byComponent[id] ?? { units: 0, cost: 0 };
      acc.units += v.units;
      acc.cost += v.cost;
      byComponent[id] = acc;
    }
  }
  const people = new Set(personIds).size;
  return { people, total, perPerson: people ? total / people : 0, byComponent };
}
