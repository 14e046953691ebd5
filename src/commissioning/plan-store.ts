// Plans in the database: each import is a version (importing the same plan twice changes nothing), its
// parts in their tables, its baselines and targets as the target set bcf:<plan>@<version>, and actual
// spend in a ledger per plan.
import { createHash } from "node:crypto";
import { invalid, OnePlaceError } from "../core/errors.ts";
import { parsePeriod } from "../core/periods.ts";
import { saveTargets, type Target } from "../outcomes/index.ts";
import { CATALOGUE, type ColumnName, type Db, type Queryable, type TableName } from "../store/index.ts";
import { type ActualSpend, type BcfPlan, targetSetOf } from "./plan.ts";

export interface SavedPlan {
  planId: string;
  version: number;
  /** False when the same plan was already the latest version. */
  added: boolean;
  actualsLoaded: number;
}

function checksumOf(plan: BcfPlan): string {
  const { actuals: _a, ...rest } = plan;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex");
}

export function targetsOf(plan: BcfPlan): Target[] {
  return plan.metrics.map((m) => {
    const period = parsePeriod(m.period);
    return {
      metricId: m.metricId,
      role: m.role,
      periodId: period.id,
      periodStart: period.start,
      periodEnd: period.end,
      value: m.value,
      numerator: m.numerator,
      denominator: m.denominator,
      valueAsPrinted: m.valueAsPrinted,
      tolerance: m.tolerance,
      paymentTranche: m.payment,
      paymentShare: m.paymentShare,
      source: m.source,
      note: m.note,
    };
  });
}

/** A column name in camelCase, as the plan's parts name their fields (`proposed_total` -> `proposedTotal`). */
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Columns filled from the plan version, not from the part: its plan, its version, its line in the plan. */
const VERSION_COLUMNS = ["plan_id", "version", "line_no"] as const;

/** A part has a field for each of its table's other columns: the type check keeps the two in step. */
type PartFields<T extends TableName> = {
  readonly [C in Exclude<ColumnName<T>, (typeof VERSION_COLUMNS)[number]> as Camel<C>]: unknown;
};

function part<T extends TableName>(table: T, parts: (plan: BcfPlan) => readonly PartFields<T>[]) {
  return { table, parts: parts as (plan: BcfPlan) => readonly object[] };
}

/** The plan's parts in the order they are stored, each a table under the plan version. */
const PARTS = [
  part("bcf_allocation", (p) => p.allocations),
  part("bcf_contribution", (p) => p.contributions),
  part("bcf_scheme", (p) => p.schemes),
  part("bcf_scheme_year", (p) => p.schemeYears),
  part("bcf_payment_tranche", (p) => p.payments),
  part("bcf_risk", (p) => p.risks),
  part("bcf_stated_total", (p) => p.statedTotals),
];

/** One row a part, its columns in catalogue order; parts numbered by line (`line_no`) in plan order. */
async function insertParts(tx: Queryable, plan: BcfPlan, version: number): Promise<void> {
  for (const { table, parts } of PARTS) {
    const columns = CATALOGUE[table].columnNames;
    const text = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;
    for (const [i, part] of parts(plan).entries()) {
      const fromVersion: Record<(typeof VERSION_COLUMNS)[number], unknown> = {
        plan_id: plan.header.planId,
        version,
        line_no: i + 1,
      };
      const fields = part as Record<string, unknown>;
      await tx.query(
        text,
        columns.map((c) =>
          Object.hasOwn(fromVersion, c) ? fromVersion[c as keyof typeof fromVersion] : fields[camel(c)],
        ),
      );
    }
  }
}

/** Each month of actual spend replaces what was stored for its scheme and month. */
async function upsertActuals(tx: Queryable, planId: string, actuals: readonly ActualSpend[]): Promise<void> {
  for (const a of actuals) {
    await tx.query(
      `INSERT INTO bcf_actual_spend (plan_id, scheme_id, month, amount, source, note, loaded_at)
       VALUES ($1,$2,$3,$4,$5,$6,now())
       ON CONFLICT (plan_id, scheme_id, month) DO UPDATE SET amount = excluded.amount, source = excluded.source,
         note = excluded.note, loaded_at = excluded.loaded_at`,
      [planId, a.schemeId, a.month, a.amount, a.source, a.note],
    );
  }
}

/** Stores a plan: a new version if it differs from the latest, and its actual spend (month by month). */
export async function savePlan(db: Db, plan: BcfPlan, importedFrom = ""): Promise<SavedPlan> {
  const id = plan.header.planId;
  const checksum = checksumOf(plan);
  return db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO bcf_plan (plan_id, place) VALUES ($1, $2) ON CONFLICT (plan_id) DO UPDATE SET place = excluded.place",
      [id, plan.header.place],
    );
    const [latest] = await tx.query<{ version: number; checksum: string }>(
      "SELECT version, checksum FROM bcf_plan_version WHERE plan_id = $1 ORDER BY version DESC LIMIT 1",
      [id],
    );
    let version = latest?.version ?? 0;
    const added = latest?.checksum !== checksum;
    if (added) {
      version += 1;
      const h = plan.header;
      const { actuals: _a, ...document } = plan;
      await tx.query(
        `INSERT INTO bcf_plan_version (plan_id, version, title, version_label, status, council, ccg, hwb_date,
           submitted_on, source, notes, document, checksum, imported_from)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12::jsonb,$13,$14)`,
        [
          id,
          version,
          h.title,
          h.versionLabel,
          h.status,
          h.council,
          h.ccg,
          h.hwbDate,
          h.submittedOn,
          h.source,
          h.notes,
          JSON.stringify(document),
          checksum,
          importedFrom,
        ],
      );
      await insertParts(tx, plan, version);
      await saveTargets(tx, targetSetOf(id, version), targetsOf(plan));
    }
    await upsertActuals(tx, id, plan.actuals);
    return { planId: id, version, added, actualsLoaded: plan.actuals.length };
  });
}

/** Adds or replaces months of actual spend for a stored plan; every scheme must be one of its schemes. */
export async function saveActuals(db: Db, planId: string, actuals: readonly ActualSpend[]): Promise<number> {
  const { plan } = await loadPlan(db, planId);
  const schemes = new Set(plan.schemes.map((s) => s.schemeId));
  const unknown = [...new Set(actuals.map((a) => a.schemeId).filter((id) => !schemes.has(id)))];
  if (unknown.length)
    throw invalid("commissioning.unknown-scheme", `Not schemes of plan ${planId}: ${unknown.join(", ")}`);
  return db.transaction(async (tx) => {
    await upsertActuals(tx, planId, actuals);
    return actuals.length;
  });
}

export interface PlanVersionInfo {
  planId: string;
  version: number;
  title: string;
  versionLabel: string;
  status: string;
  importedAt: string;
  importedFrom: string;
}

export async function listPlanVersions(db: Queryable, planId?: string): Promise<PlanVersionInfo[]> {
  const rows = await db.query<{
    plan_id: string;
    version: number;
    title: string;
    version_label: string;
    status: string;
    imported_at: Date;
    imported_from: string;
  }>(
    `SELECT plan_id, version, title, version_label, status, imported_at, imported_from FROM bcf_plan_version
     WHERE $1::text IS NULL OR plan_id = $1 ORDER BY plan_id, version`,
    [planId ?? null],
  );
  return rows.map((r) => ({
    planId: r.plan_id,
    version: r.version,
    title: r.title,
    versionLabel: r.version_label,
    status: r.status,
    importedAt: r.imported_at.toISOString(),
    importedFrom: r.imported_from,
  }));
}

export class NoPlanError extends OnePlaceError {
  override readonly name = "NoPlanError";
  /** Not found by default; "several plans, name one" is the invalid variant. */
  constructor(message: string, kind: "not-found" | "invalid" = "not-found") {
    super(kind, kind === "invalid" ? "commissioning.plan-ambiguous" : "commissioning.no-plan", message);
  }
}

/**
 * A stored plan version with its actual spend. Without a plan id, the only plan stored (an error when
 * there are none or several); without a version, the latest.
 */
export async function loadPlan(
  db: Queryable,
  planId?: string,
  version?: number,
): Promise<{ plan: BcfPlan; version: number }> {
  const versions = await listPlanVersions(db, planId);
  if (versions.length === 0) {
    throw new NoPlanError(
      planId ? `There is no plan called ${planId}.` : "No BCF plan has been imported yet.",
    );
  }
  const ids = [...new Set(versions.map((v) => v.planId))];
  if (!planId && ids.length > 1)
    throw new NoPlanError(`Several plans are stored (${ids.join(", ")}): name one.`, "invalid");
  const id = planId ?? ids[0];
  const chosen = version ?? Math.max(...versions.filter((v) => v.planId === id).map((v) => v.version));
  const [row] = await db.query<{ document: Omit<BcfPlan, "actuals"> }>(
    "SELECT document FROM bcf_plan_version WHERE plan_id = $1 AND version = $2",
    [id, chosen],
  );
  if (!row) throw new NoPlanError(`Plan ${id} has no version ${chosen}.`);
  const actuals = await db.query<{
    scheme_id: string;
    month: string;
    amount: number;
    source: string;
    note: string;
  }>(
    "SELECT scheme_id, month, amount, source, note FROM bcf_actual_spend WHERE plan_id = $1 ORDER BY scheme_id, month",
    [id],
  );
  return {
    plan: {
      ...row.document,
      actuals: actuals.map((a) => ({
        schemeId: a.scheme_id,
        month: a.month,
        amount: Number(a.amount),
        source: a.source,
        note: a.note,
      })),
    },
    version: chosen,
  };
}

/** Each stored plan version's minimum pooled fund per financial year (the BCF allocation). */
export async function planMinimums(
  db: Queryable,
): Promise<{ planId: string; version: number; financialYear: string; minimum: number | null }[]> {
  const rows = await db.query<{
    plan_id: string;
    version: number;
    financial_year: string;
    minimum: number | null;
  }>("SELECT plan_id, version, financial_year, minimum FROM bcf_allocation ORDER BY 1, 2, 3");
  return rows.map((r) => ({
    planId: r.plan_id,
    version: r.version,
    financialYear: r.financial_year,
    minimum: r.minimum,
  }));
}
