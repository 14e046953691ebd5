// Plans in the database: each import is a version (importing the same plan twice changes nothing), its
// parts in their tables, its baselines and targets as the target set bcf:<plan>@<version>, and actual
// spend in a ledger per plan.
import { createHash } from "node:crypto";
import { invalid, OnePlaceError } from "../core/errors.ts";
import { parsePeriod } from "../core/periods.ts";
import { saveTargets, type Target } from "../outcomes/index.ts";
import type { Db, Queryable } from "../store/index.ts";
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

async function insertParts(tx: Queryable, plan: BcfPlan, version: number): Promise<void> {
  const id = plan.header.planId;
  for (const a of plan.allocations) {
    await tx.query(
      `INSERT INTO bcf_allocation (plan_id, version, financial_year, minimum, proposed_total, minimum_as_printed,
         proposed_total_as_printed, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [
        id,
        version,
        a.financialYear,
        a.minimum,
        a.proposedTotal,
        a.minimumAsPrinted,
        a.proposedTotalAsPrinted,
        a.note,
      ],
    );
  }
  for (const [i, c] of plan.contributions.entries()) {
    await tx.query(
      `INSERT INTO bcf_contribution (plan_id, version, line_no, financial_year, partner, organisation, description,
         amount, status, as_printed, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
        id,
        version,
        i + 1,
        c.financialYear,
        c.partner,
        c.organisation,
        c.description,
        c.amount,
        c.status,
        c.asPrinted,
        c.note,
      ],
    );
  }
  for (const s of plan.schemes) {
    await tx.query(
      `INSERT INTO bcf_scheme (plan_id, version, scheme_id, theme, name, scheme_type, description, lead_provider,
         investment, expected_benefits, metric_ids, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::text[],$12)`,
      [
        id,
        version,
        s.schemeId,
        s.theme,
        s.name,
        s.schemeType,
        s.description,
        s.leadProvider,
        s.investment,
        s.expectedBenefits,
        s.metricIds,
        s.note,
      ],
    );
  }
  for (const y of plan.schemeYears) {
    await tx.query(
      `INSERT INTO bcf_scheme_year (plan_id, version, scheme_id, financial_year, planned_min, planned_max,
         planned_spend, min_as_printed, max_as_printed, spend_as_printed, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
        id,
        version,
        y.schemeId,
        y.financialYear,
        y.plannedMin,
        y.plannedMax,
        y.plannedSpend,
        y.minAsPrinted,
        y.maxAsPrinted,
        y.spendAsPrinted,
        y.note,
      ],
    );
  }
  for (const p of plan.payments) {
    await tx.query(
      `INSERT INTO bcf_payment_tranche (plan_id, version, tranche_id, payment_date, amount, amount_as_printed,
         description, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, version, p.trancheId, p.paymentDate, p.amount, p.amountAsPrinted, p.description, p.note],
    );
  }
  for (const r of plan.risks) {
    await tx.query(
      `INSERT INTO bcf_risk (plan_id, version, risk_no, category, risk, consequence, probability, impact, controls,
         owner, status, review_date) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        id,
        version,
        r.riskNo,
        r.category,
        r.risk,
        r.consequence,
        r.probability,
        r.impact,
        r.controls,
        r.owner,
        r.status,
        r.reviewDate,
      ],
    );
  }
  for (const [i, t] of plan.statedTotals.entries()) {
    await tx.query(
      `INSERT INTO bcf_stated_total (plan_id, version, line_no, subject, financial_year, amount, as_printed, note)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, version, i + 1, t.subject, t.financialYear, t.amount, t.asPrinted, t.note],
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
    for (const a of plan.actuals) {
      await tx.query(
        `INSERT INTO bcf_actual_spend (plan_id, scheme_id, month, amount, source, note) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (plan_id, scheme_id, month) DO UPDATE SET amount = excluded.amount, source = excluded.source,
           note = excluded.note, loaded_at = now()`,
        [id, a.schemeId, a.month, a.amount, a.source, a.note],
      );
    }
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
    for (const a of actuals) {
      await tx.query(
        `INSERT INTO bcf_actual_spend (plan_id, scheme_id, month, amount, source, note) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (plan_id, scheme_id, month) DO UPDATE SET amount = excluded.amount, source = excluded.source,
           note = excluded.note, loaded_at = now()`,
        [planId, a.schemeId, a.month, a.amount, a.source, a.note],
      );
    }
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
