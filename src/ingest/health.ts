import { isCitus, type Queryable } from "../store/index.ts";
import { CODED_FIELDS, type CodeMapName } from "./hl7/coded.ts";

// Feed health per source: when it last sent something, how much, how much was rejected, and what is waiting
// (ADT visits held for an earlier event, open rejects, records in the MPI review queue).

export interface FeedHealth {
  sourceSystem: string;
  lastReceivedAt: string | null;
  received: number;
  rejected: number;
  rejectRate: number;
  openRejects: number;
  /** ADT visits held for an earlier event, and FHIR resources held for their Patient. */
  heldVisits: number;
  /**
   * Of those, how many have waited longer than the alarm threshold (HELD_ALARM_HOURS): the sender never sent
   * what they wait for, or it was refused. `heldAlarms` lists them. Always counted by `feedHealth`; optional
   * only so that feed health written by hand (the web page's fixtures) need not say.
   */
  heldOverdue?: number;
  /** When the longest-held of them was received; null when nothing is held. */
  oldestHeldAt?: string | null;
  reviewQueue: number;
  /**
   * How late messages arrive: the median of received time minus sent time (MSH-7) over the source's latest
   * 100 messages; null for a source that sends files or has no message times.
   */
  lagSeconds: number | null;
  /**
   * Local codes the source sent that no mapping or standard knows, most frequent first: the messages were
   * stored and flagged; mapping a code corrects them (`oneplace feeds unmapped`, `oneplace feeds map`).
   */
  unmapped: { mapName: string; field: string; code: string; occurrences: number }[];
  /**
   * ADT messages held because their source deleted the patient's record (A29) after sending them: acknowledged
   * and kept, never applied. How many, and the latest HELD_MESSAGES_LISTED with why. Always given by
   * `feedHealth`; optional only for feed health written by hand (the web page's fixtures).
   */
  heldMessageCount?: number;
  heldMessages?: HeldMessage[];
}

export interface HeldMessage {
  controlId: string;
  messageType: string;
  /** MSH-7, when the message says. */
  messageTime: string | null;
  heldAt: string;
  /** Why it is held, naming the deletion, never patient details. */
  reason: string;
}

/** How many held messages feed health lists per source (the latest); it counts them all. */
export const HELD_MESSAGES_LISTED = 20;

/** How long something may wait for what it needs before feed health raises it: ADT and FHIR alike. */
export const HELD_ALARM_HOURS = 4;

/**
 * Not a visit its source deleted (A29) with nothing said of it after: it waits for nothing. An event for it
 * dated after the A29 (a transfer whose admission the deletion took) makes it held again.
 */
const NOT_DELETED = `NOT EXISTS (
      SELECT 1 FROM adt_visit_event d WHERE d.source_system = v.source_system AND d.visit_number = v.visit_number
        AND d.trigger_event = 'A29' AND NOT EXISTS (
          SELECT 1 FROM adt_visit_event e WHERE e.source_system = d.source_system AND e.visit_number = d.visit_number
            AND e.message_time > d.message_time AND e.trigger_event <> 'A29'))`;

/**
 * Every ADT visit held: events are in its log, but nothing shows (an A02/A03 waiting for its A01, an A04
 * that is neither an A&E nor an outpatient attendance yet), and it was not cancelled, deleted or pre-admitted only. Each
 * row is a visit with the time its first event was received (how long it has waited).
 */
const HELD_VISITS_SQL = `
  SELECT v.source_system, v.visit_number, min(v.received_at) AS held_since
  FROM adt_visit_event v
  WHERE NOT EXISTS (SELECT 1 FROM hospital_spell h WHERE h.source_system = v.source_system AND h.source_record_id = v.visit_number)
    AND NOT EXISTS (SELECT 1 FROM ae_attendance a WHERE a.source_system = v.source_system AND a.source_record_id = v.visit_number)
    AND NOT EXISTS (SELECT 1 FROM outpatient_attendance o WHERE o.source_system = v.source_system AND o.source_record_id = v.visit_number)
    AND NOT EXISTS (SELECT 1 FROM adt_visit_event c WHERE c.source_system = v.source_system AND c.visit_number = v.visit_number
                    AND c.trigger_event IN ('A11', 'A05'))
    AND ${NOT_DELETED}
    AND v.trigger_event IN ('A01', 'A02', 'A03', 'A04', 'A07', 'A13', 'A21', 'A22')
  GROUP BY v.source_system, v.visit_number`;

/**
 * The same on a Citus cluster, where the visit log is on the coordinator and the spells and attendances are
 * distributed by person: a subquery per visit cannot reach them, so the visits' keys go to the workers once and
 * the ones shown come back. One server keeps the probe per visit on the provenance index.
 */
const HELD_VISITS_CITUS_SQL = `
  WITH logged AS MATERIALIZED (
    SELECT v.source_system, v.visit_number, min(v.received_at) AS held_since
    FROM adt_visit_event v
    WHERE NOT EXISTS (SELECT 1 FROM adt_visit_event c WHERE c.source_system = v.source_system AND c.visit_number = v.visit_number
                      AND c.trigger_event IN ('A11', 'A05'))
      AND ${NOT_DELETED}
      AND v.trigger_event IN ('A01', 'A02', 'A03', 'A04', 'A07', 'A13', 'A21', 'A22')
    GROUP BY v.source_system, v.visit_number),
  shown AS MATERIALIZED (
    SELECT source_system, source_record_id FROM hospital_spell
     WHERE (source_system, source_record_id) IN (SELECT source_system, visit_number FROM logged)
    UNION SELECT source_system, source_record_id FROM ae_attendance
     WHERE (source_system, source_record_id) IN (SELECT source_system, visit_number FROM logged)
    UNION SELECT source_system, source_record_id FROM outpatient_attendance
     WHERE (source_system, source_record_id) IN (SELECT source_system, visit_number FROM logged))
  SELECT l.source_system, l.visit_number, l.held_since FROM logged l
   WHERE NOT EXISTS (SELECT 1 FROM shown s WHERE s.source_system = l.source_system AND s.source_record_id = l.visit_number)`;

const heldVisitsSql = (q: Queryable) => (isCitus(q) ? HELD_VISITS_CITUS_SQL : HELD_VISITS_SQL);

export interface HeldAlarm {
  sourceSystem: string;
  kind: "adt-visit" | "fhir-resource";
  /** The visit number, or the FHIR ResourceType/id. */
  key: string;
  heldSince: string;
  /** What it waits for, in words that name fields, never values. */
  waitingFor: string;
}

/**
 * What has been held longer than `hours` (default HELD_ALARM_HOURS), oldest first, at most `limit`: the list
 * behind feed health's `heldOverdue`, for the integration engineer to chase (the earlier event the sender
 * never sent, the Patient that never came).
 */
export async function heldAlarms(
  q: Queryable,
  options: { hours?: number; now?: Date; limit?: number } = {},
): Promise<HeldAlarm[]> {
  const rows = await q.query<Record<string, unknown>>(
    `SELECT * FROM (
       SELECT hv.source_system, 'adt-visit' AS kind, hv.visit_number AS key, hv.held_since,
              (SELECT string_agg(DISTINCT e.trigger_event, ', ' ORDER BY e.trigger_event) FROM adt_visit_event e
                WHERE e.source_system = hv.source_system AND e.visit_number = hv.visit_number) AS events
       FROM (${heldVisitsSql(q)}) hv WHERE hv.held_since < $1::timestamptz
       UNION ALL
       SELECT source_system, 'fhir-resource', origin_key, held_at, reason FROM ingest_fhir_held WHERE held_at < $1::timestamptz
     ) held ORDER BY held_since, source_system, key LIMIT $2`,
    [alarmCutoff(options), options.limit ?? 200],
  );
  return rows.map((r) => ({
    sourceSystem: String(r.source_system),
    kind: r.kind as HeldAlarm["kind"],
    key: String(r.key),
    heldSince: new Date(r.held_since as string | Date).toISOString(),
    waitingFor:
      r.kind === "adt-visit"
        ? `the event that opens the visit (an A01 admission, or an A04 of a kind OnePlace shows); it has ${String(r.events)}`
        : String(r.events),
  }));
}

function alarmCutoff(options: { hours?: number; now?: Date }): string {
  const now = options.now ?? new Date();
  return new Date(now.getTime() - (options.hours ?? HELD_ALARM_HOURS) * 3_600_000).toISOString();
}

export async function feedHealth(
  q: Queryable,
  options: { heldAlarmHours?: number; now?: Date } = {},
): Promise<FeedHealth[]> {
  const rows = await q.query<Record<string, unknown>>(
    `WITH sources AS (
       SELECT source_system FROM ingest_message
       UNION SELECT source_system FROM ingest_load
       UNION SELECT source_system FROM ingest_reject
       UNION SELECT source_system FROM ingest_fhir_held
     ),
     held_messages AS (
       SELECT source_system, max(n) AS n,
              json_agg(json_build_object('c', control_id, 't', message_type, 'm', message_time, 'h', held_at, 'r', reason)
                       ORDER BY held_at DESC, control_id) AS list
       FROM (SELECT *, count(*) OVER (PARTITION BY source_system) AS n,
                    row_number() OVER (PARTITION BY source_system ORDER BY held_at DESC, control_id) AS k
             FROM adt_held_message) hm
       WHERE k <= ${HELD_MESSAGES_LISTED}
       GROUP BY source_system
     ),
     messages AS (
       SELECT source_system, max(received_at) AS last_at, count(*) AS n,
              count(*) FILTER (WHERE status = 'rejected') AS rejected
       FROM ingest_message GROUP BY source_system
     ),
     loads AS (
       SELECT source_system, max(COALESCE(finished_at, started_at)) AS last_at, sum(records_read) AS n, sum(rejected) AS rejected
       FROM ingest_load WHERE format <> 'hl7' GROUP BY source_system
     ),
     rejects AS (
       SELECT source_system, max(received_at) AS last_at, count(*) FILTER (WHERE status = 'open') AS open_rejects,
              count(*) FILTER (WHERE format = 'hl7' AND origin_key LIKE 'sha256:%') AS unreadable
       FROM ingest_reject_state GROUP BY source_system
     ),
     visits AS (
       SELECT source_system, count(*) AS held, count(*) FILTER (WHERE held_since < $1::timestamptz) AS overdue,
              min(held_since) AS oldest
       FROM (${heldVisitsSql(q)}) hv GROUP BY source_system
     ),
     held_fhir AS (
       SELECT source_system, count(*) AS n, count(*) FILTER (WHERE held_at < $1::timestamptz) AS overdue,
              min(held_at) AS oldest
       FROM ingest_fhir_held GROUP BY source_system
     ),
     unmapped AS (
       SELECT u.source_system,
              json_agg(json_build_object('m', u.map_name, 'c', u.source_code, 'n', u.occurrences)
                       ORDER BY u.occurrences DESC, u.map_name, u.source_code) AS codes
       FROM ingest_unmapped_code u
       WHERE NOT EXISTS (SELECT 1 FROM ingest_code_map cm WHERE cm.source_system = u.source_system
                         AND cm.map_name = u.map_name AND cm.source_code = u.source_code)
       GROUP BY u.source_system
     ),
     reviews AS (SELECT source_system, count(*) AS n FROM mpi_review WHERE status = 'open' GROUP BY source_system),
     lags AS (
       SELECT s.source_system,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (m.received_at - m.message_time)))
                 FROM (SELECT received_at, message_time FROM ingest_message im
                        WHERE im.source_system = s.source_system AND im.message_time IS NOT NULL
                        ORDER BY im.received_at DESC LIMIT 100) m) AS lag
       FROM sources s
     )
     SELECT s.source_system, lg.lag,
            GREATEST(m.last_at, l.last_at, r.last_at) AS last_at,
            COALESCE(m.n, 0) + COALESCE(l.n, 0) + COALESCE(r.unreadable, 0) AS received,
            COALESCE(m.rejected, 0) + COALESCE(l.rejected, 0) + COALESCE(r.unreadable, 0) AS rejected,
            COALESCE(r.open_rejects, 0) AS open_rejects, COALESCE(v.held, 0) + COALESCE(hf.n, 0) AS held, COALESCE(rv.n, 0) AS reviews,
            COALESCE(v.overdue, 0) + COALESCE(hf.overdue, 0) AS overdue, LEAST(v.oldest, hf.oldest) AS oldest_held,
            un.codes AS unmapped, COALESCE(hm.n, 0) AS held_messages, hm.list AS held_list
     FROM sources s
     LEFT JOIN messages m USING (source_system)
     LEFT JOIN loads l USING (source_system)
     LEFT JOIN rejects r USING (source_system)
     LEFT JOIN visits v USING (source_system)
     LEFT JOIN held_fhir hf USING (source_system)
     LEFT JOIN reviews rv USING (source_system)
     LEFT JOIN lags lg USING (source_system)
     LEFT JOIN unmapped un USING (source_system)
     LEFT JOIN held_messages hm USING (source_system)
     ORDER BY s.source_system`,
    [alarmCutoff({ hours: options.heldAlarmHours, now: options.now })],
  );
  return rows.map((r) => {
    const received = Number(r.received);
    const rejected = Number(r.rejected);
    return {
      sourceSystem: String(r.source_system),
      lastReceivedAt: r.last_at ? (r.last_at as Date).toISOString() : null,
      received,
      rejected,
      rejectRate: received === 0 ? 0 : rejected / received,
      openRejects: Number(r.open_rejects),
      heldVisits: Number(r.held),
      heldOverdue: Number(r.overdue),
      oldestHeldAt: r.oldest_held ? new Date(r.oldest_held as string | Date).toISOString() : null,
      reviewQueue: Number(r.reviews),
      lagSeconds: r.lag === null || r.lag === undefined ? null : Number(r.lag),
      unmapped: unmappedOf(r.unmapped),
      heldMessageCount: Number(r.held_messages),
      heldMessages: heldMessagesOf(r.held_list),
    };
  });
}

function unmappedOf(codes: unknown): FeedHealth["unmapped"] {
  const list = (typeof codes === "string" ? JSON.parse(codes) : (codes ?? [])) as {
    m: string;
    c: string;
    n: number;
  }[];
  return list.map((u) => ({
    mapName: u.m,
    field: CODED_FIELDS[u.m as CodeMapName]?.field ?? "",
    code: u.c,
    occurrences: Number(u.n),
  }));
}

function heldMessagesOf(list: unknown): HeldMessage[] {
  const rows = (typeof list === "string" ? JSON.parse(list) : (list ?? [])) as {
    c: string;
    t: string;
    m: string | null;
    h: string;
    r: string;
  }[];
  return rows.map((m) => ({
    controlId: m.c,
    messageType: m.t,
    messageTime: m.m ? new Date(m.m).toISOString() : null,
    heldAt: new Date(m.h).toISOString(),
    reason: m.r,
  }));
}

/** Feed health as of a moment: what a page shows, with when it was counted. */
export interface FeedHealthSnapshot {
  asOf: string;
  feeds: FeedHealth[];
}

const snapshots = new WeakMap<object, { at: number; value: Promise<FeedHealthSnapshot> }>();

/**
 * Feed health counted at most `maxAgeMs` ago, shared by every caller on this database handle: counting scans
 * every message received, which a page cannot do per request. When the snapshot is older, the caller gets it
 * at once (with its time) while a fresh count runs for the next; only the very first caller waits.
 */
export function recentFeedHealth(
  q: Queryable,
  maxAgeMs = 30_000,
  now = Date.now(),
): Promise<FeedHealthSnapshot> {
  const cached = snapshots.get(q);
  if (cached && now - cached.at <= maxAgeMs) return cached.value;
  const fresh = { at: now, value: count(q) };
  fresh.value.catch(() => {
    if (snapshots.get(q) === fresh) snapshots.delete(q);
  });
  if (!cached) {
    snapshots.set(q, fresh);
    return fresh.value;
  }
  // Serve the previous count until the fresh one is in.
  cached.at = now;
  fresh.value.then(
    (value) => snapshots.set(q, { at: Date.parse(value.asOf), value: Promise.resolve(value) }),
    () => {},
  );
  return cached.value;
}

async function count(q: Queryable): Promise<FeedHealthSnapshot> {
  const asOf = new Date().toISOString();
  return { asOf, feeds: await feedHealth(q) };
}
