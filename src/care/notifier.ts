// No unknown patients: turning queued emergency admissions into notifications to the teams that care for the
// person, and deliveries to the people in those teams who should act. The queue is filled by a trigger on
// hospital_spell (0860_admission_notification.sql), so every ingest path feeds it in the transaction that
// stores the spell; this module drains it, set-based, a batch at a time, and is safe to run in several
// processes at once (FOR UPDATE SKIP LOCKED, and every insert is idempotent on its key).
import type { Logger } from "pino";
import { type Db, isCitus, onCitus, type Queryable, spellsWrittenSign } from "../store/index.ts";

/** Who is told, and why. */
export const NOTIFICATION_REASONS = [
  "registered-practice",
  "lead-professional",
  "care-team",
  "caseload",
] as const;
export type NotificationReason = (typeof NOTIFICATION_REASONS)[number];

/**
 * The joint plan's lead professional (care_plan.lead_professional_role, as the sending systems write it) and
 * the role a user of the lead's organisation holds to be that lead; a GP leads from a practice team.
 */
export const LEAD_PROFESSIONAL_ROLES: Readonly<Record<string, { roleCode: string; teamKind?: string }>> = {
  gp: { roleCode: "gp", teamKind: "practice" },
  "community-matron": { roleCode: "community-clinician" },
  "district-nurse": { roleCode: "community-clinician" },
  "social-worker": { roleCode: "social-worker" },
  "care-coordinator": { roleCode: "mental-health-clinician" },
};

const LEAD_VALUES = Object.entries(LEAD_PROFESSIONAL_ROLES)
  .map(([lead, r]) => `('${lead}', '${r.roleCode}', ${r.teamKind ? `'${r.teamKind}'` : "NULL"})`)
  .join(", ");

const ACTIVE = (start: string, end: string, strictEnd = false) =>
  `${start} <= e.admitted_on AND (${end} IS NULL OR ${end} ${strictEnd ? ">" : ">="} e.admitted_on)`;

/**
 * The recipients of a batch of spells ($1 person ids, $2 spell ids, in pairs): one row a team, reason and
 * user (user null when the team is told but nobody in it holds a role that acts on it). Eligible spells are
 * emergency admissions of a person who, on the day of admission, was on a risk register or had a care team:
 * a care team membership, a caseload, or a joint plan with a lead professional.
 */
const RECIPIENTS = `
  e AS MATERIALIZED (
    SELECT h.person_id, h.spell_id, h.provider_code, h.admitted_at,
      (h.admitted_at AT TIME ZONE 'Europe/London')::date AS admitted_on
    FROM unnest($1::uuid[], $2::uuid[]) AS b (person_id, spell_id)
    JOIN hospital_spell h ON h.person_id = b.person_id AND h.spell_id = b.spell_id
    WHERE h.admission_method = 'emergency'),
  plan AS (
    SELECT cp.person_id, cp.lead_professional_role, cp.lead_org_code, e.spell_id
    FROM e JOIN care_plan cp ON cp.person_id = e.person_id
    WHERE cp.lead_professional_role IS NOT NULL AND ${ACTIVE("cp.started_on", "cp.ended_on")}),
  -- A join per fact rather than EXISTS correlated with e: Citus joins a CTE's rows to a distributed table, but
  -- plans no subquery correlated with them.
  eligible AS (
    SELECT e.* FROM e WHERE (e.person_id, e.spell_id) IN (
      SELECT e.person_id, e.spell_id FROM e JOIN risk_register_member m ON m.person_id = e.person_id
        AND ${ACTIVE("m.joined_on", "m.left_on", true)}
      UNION ALL
      SELECT e.person_id, e.spell_id FROM e JOIN care_team_member c ON c.person_id = e.person_id
        AND ${ACTIVE("c.started_on", "c.ended_on")}
      UNION ALL
      SELECT e.person_id, e.spell_id FROM e JOIN caseload_entry c ON c.person_id = e.person_id
        AND ${ACTIVE("c.started_on", "c.ended_on")}
      UNION ALL
      SELECT plan.person_id, plan.spell_id FROM plan)),
  members AS (
    SELECT ur.team_id, ur.role_code, ur.user_id, r.relationship_kinds
    FROM user_role ur
    JOIN app_user u ON u.user_id = ur.user_id AND u.status = 'active'
    JOIN app_role r ON r.role_code = ur.role_code),
  recipients AS (
    SELECT e.person_id, e.spell_id, t.team_id, 'registered-practice' AS reason, m.user_id
    FROM eligible e
    JOIN registration r ON r.person_id = e.person_id
      AND ${ACTIVE("r.registered_on", "r.deregistered_on", true)}
    JOIN team t ON t.kind = 'practice' AND t.org_code = r.practice_code
    LEFT JOIN members m ON m.team_id = t.team_id AND m.role_code = 'practice-mdt-coordinator'
    UNION ALL
    SELECT e.person_id, e.spell_id, t.team_id, 'lead-professional', m.user_id
    FROM eligible e
    JOIN plan p ON p.person_id = e.person_id AND p.spell_id = e.spell_id
    JOIN (VALUES ${LEAD_VALUES}) AS lead (lead_role, role_code, team_kind) ON lead.lead_role = p.lead_professional_role
    JOIN team t ON t.org_code = p.lead_org_code AND (lead.team_kind IS NULL OR t.kind = lead.team_kind)
    JOIN members m ON m.team_id = t.team_id AND m.role_code = lead.role_code
    UNION ALL
    SELECT e.person_id, e.spell_id, c.team_id, 'care-team', m.user_id
    FROM eligible e
    JOIN care_team_member c ON c.person_id = e.person_id AND ${ACTIVE("c.started_on", "c.ended_on")}
    LEFT JOIN members m ON m.team_id = c.team_id AND 'care-team' = ANY (m.relationship_kinds)
    UNION ALL
    SELECT e.person_id, e.spell_id, c.team_id, 'caseload', c.user_id
    FROM eligible e
    JOIN caseload_entry c ON c.person_id = e.person_id AND ${ACTIVE("c.started_on", "c.ended_on")}
    JOIN app_user u ON u.user_id = c.user_id AND u.status = 'active')`;

const INSERT_NOTIFICATIONS = `WITH ${RECIPIENTS}
  INSERT INTO admission_notification (person_id, notification_id, spell_id, team_id, reasons, provider_code,
    admitted_at, notified_at)
  SELECT r.person_id, gen_random_uuid(), r.spell_id, r.team_id, array_agg(DISTINCT r.reason ORDER BY r.reason),
    e.provider_code, e.admitted_at, $3::timestamptz
  FROM recipients r JOIN e ON e.person_id = r.person_id AND e.spell_id = r.spell_id
  GROUP BY r.person_id, r.spell_id, r.team_id, e.provider_code, e.admitted_at
  ON CONFLICT (person_id, spell_id, team_id) DO NOTHING`;

// Each user once a spell: through the notification of the first of their teams told (by reason's order).
const INSERT_DELIVERIES = `WITH ${RECIPIENTS}
  INSERT INTO admission_notification_delivery (person_id, spell_id, user_id, notification_id, delivered_at)
  SELECT DISTINCT ON (r.person_id, r.spell_id, r.user_id) r.person_id, r.spell_id, r.user_id, n.notification_id,
    $3::timestamptz
  FROM recipients r
  JOIN admission_notification n ON n.person_id = r.person_id AND n.spell_id = r.spell_id AND n.team_id = r.team_id
  WHERE r.user_id IS NOT NULL
  ORDER BY r.person_id, r.spell_id, r.user_id, n.notified_at, n.notification_id
  ON CONFLICT (person_id, spell_id, user_id) DO NOTHING`;

export interface NoticeBatchResult {
  /** Queued spells taken off the queue. */
  spells: number;
  /** Team notifications and user deliveries written. */
  notifications: number;
  deliveries: number;
}

/** The notifications and deliveries of some spells, written now; safe to repeat (nothing is written twice). */
export async function notifyAdmissions(
  q: Queryable,
  spells: readonly { personId: string; spellId: string }[],
  at: Date = new Date(),
): Promise<{ notifications: number; deliveries: number }> {
  if (spells.length === 0) return { notifications: 0, deliveries: 0 };
  const params = [spells.map((s) => s.personId), spells.map((s) => s.spellId), at.toISOString()];
  const notifications = await q.query<{ n: number }>(
    `WITH ins AS (${INSERT_NOTIFICATIONS} RETURNING 1) SELECT count(*)::int AS n FROM ins`,
    params,
  );
  const deliveries = await q.query<{ n: number }>(
    `WITH ins AS (${INSERT_DELIVERIES} RETURNING 1) SELECT count(*)::int AS n FROM ins`,
    params,
  );
  return { notifications: notifications[0].n, deliveries: deliveries[0].n };
}

/**
 * Takes the oldest queued spells for this transaction: those another process holds are skipped. Citus takes
 * no row locks over several shards (the queue is distributed with hospital_spell), so there the claim is the
 * delete itself: a spell two processes pick at once is returned only to the one whose delete removed it (the
 * other waits for it to commit, and then finds it gone); a rolled-back batch is queued again.
 */
const CLAIM = `SELECT person_id, spell_id FROM admission_notice_queue
  ORDER BY queued_at LIMIT $1 FOR UPDATE SKIP LOCKED`;
const CLAIM_ON_CITUS = `DELETE FROM admission_notice_queue
  WHERE (person_id, spell_id) IN (SELECT person_id, spell_id FROM admission_notice_queue ORDER BY queued_at LIMIT $1)
  RETURNING person_id, spell_id`;

/** Takes up to `batch` queued spells (those another process holds are skipped), notifies, and dequeues them. */
export async function drainAdmissionQueue(db: Db, batch = 200, at?: Date): Promise<NoticeBatchResult> {
  const citus = await onCitus(db);
  return db.transaction(async (tx) => {
    const queued = await tx.query<{ person_id: string; spell_id: string }>(citus ? CLAIM_ON_CITUS : CLAIM, [
      batch,
    ]);
    if (queued.length === 0) return { spells: 0, notifications: 0, deliveries: 0 };
    const spells = queued.map((r) => ({ personId: r.person_id, spellId: r.spell_id }));
    const written = await notifyAdmissions(tx, spells, at ?? new Date());
    await tx.query(
      `DELETE FROM admission_notice_queue q USING unnest($1::uuid[], $2::uuid[]) AS b (person_id, spell_id)
       WHERE q.person_id = b.person_id AND q.spell_id = b.spell_id`,
      [spells.map((s) => s.personId), spells.map((s) => s.spellId)],
    );
    return { spells: queued.length, ...written };
  });
}

export interface AdmissionNotifier {
  /**
   * Drains whatever is queued now, the shards probed whatever the sign says on Citus; resolves when the queue is
   * empty (or another process holds the rest).
   */
  tick(): Promise<NoticeBatchResult>;
  stop(): Promise<void>;
}

/**
 * On a Citus cluster, whether this tick should look at the queue, which is a probe of every shard: only while
 * the sign its writers bump (store/spell-signal.ts, one coordinator-local read) has moved in the last
 * `settleMs` (it moves before the writer commits, so the queue row may not be visible yet at the first look),
 * and every `fullProbeMs` whatever the sign says (a writer that does not bump: SQL from outside OnePlace).
 */
function shardProbeGate(db: Db, settleMs: number, fullProbeMs: number): () => Promise<boolean> {
  let sign: number | null = null;
  let movedAt = 0;
  let probedAt = 0;
  return async () => {
    const now = Date.now();
    const seen = await spellsWrittenSign(db);
    if (seen !== sign) {
      sign = seen;
      movedAt = now;
    }
    if (now - movedAt >= settleMs && now - probedAt < fullProbeMs) return false;
    probedAt = now;
    return true;
  };
}

/**
 * Polls the queue every `intervalMs` (default 500 ms: a notification is visible within about a second of the
 * admission's ACK). A cheap look at the queue comes first, so an idle place costs one index probe a tick. On a
 * Citus cluster that look is a probe of every shard (the queue is sharded with hospital_spell), so it is made
 * only after the writers' sign moved, and every `fullProbeMs` (default 5 s) regardless (shardProbeGate): an idle
 * cluster costs one local read a tick. Errors are logged (by kind, never with personal data) and the next tick
 * tries again.
 */
export function startAdmissionNotifier(options: {
  db: Db;
  logger: Logger;
  intervalMs?: number;
  batch?: number;
  /** Citus: how long after the sign moved the shards are still probed each tick (default 2 s). */
  settleMs?: number;
  /** Citus: the shards are probed at least this often, whatever the sign says (default 5 s). */
  fullProbeMs?: number;
}): AdmissionNotifier {
  const { db, logger } = options;
  const intervalMs = options.intervalMs ?? 500;
  const gate = isCitus(db) ? shardProbeGate(db, options.settleMs ?? 2000, options.fullProbeMs ?? 5000) : null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<NoticeBatchResult> | null = null;

  const drain = async (scheduled: boolean): Promise<NoticeBatchResult> => {
    const total: NoticeBatchResult = { spells: 0, notifications: 0, deliveries: 0 };
    if (scheduled && gate && !(await gate())) return total;
    const [waiting] = await db.query("SELECT 1 FROM admission_notice_queue LIMIT 1");
    if (!waiting) return total;
    for (;;) {
      const r = await drainAdmissionQueue(db, options.batch ?? 200);
      total.spells += r.spells;
      total.notifications += r.notifications;
      total.deliveries += r.deliveries;
      if (r.spells === 0 || stopped) break;
    }
    if (total.spells > 0) logger.info({ ...total }, "admission notifications written");
    return total;
  };
  const tick = (scheduled = false): Promise<NoticeBatchResult> => {
    running ??= drain(scheduled).finally(() => {
      running = null;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick(true)
        .catch((error: unknown) =>
          logger.error(
            {
              err: {
                type: (error as Error)?.name ?? "unknown",
                code: (error as { code?: unknown })?.code ?? null,
              },
            },
            "admission notifier failed",
          ),
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    tick: () => tick(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
