import { randomUUID } from "node:crypto";
import { OnePlaceError } from "../core/errors.ts";
import { keepNhsNumberRoutes, lockNames, type Queryable, sql, withNhsNumberRoutes } from "../store/index.ts";
import { recordDecision } from "./decisions.ts";
import { rebuildIdentifiers, recomputeGolden } from "./golden.ts";
import {
  type MovedRows,
  moveAllActivity,
  movePersonLevelRows,
  moveRecordRows,
  type RecordKey,
  reassignRows,
  restorePersonLevelRows,
  runMove,
} from "./moves.ts";

// Merges (an A40 from a hospital, or a reviewer deciding two people are one), unmerges, and moving a single
// record to another person. Each keeps what an unmerge needs and records the decision with who made it.

/** A merge, unmerge, move or review that cannot be done: what it names is missing, or it was already done. */
export class MpiError extends OnePlaceError {
  override readonly name = "MpiError";
  constructor(message: string, kind: "not-found" | "conflict", code: string) {
    super(kind, code, message);
  }
}

/** The key in mpi_merge.moved_rows of the open review items the merge moved onto the survivor. */
const REVIEW_ITEMS = "mpi_review";

async function recordsOf(q: Queryable, personId: string): Promise<RecordKey[]> {
  const rows = await q.query<{ source_system: string; source_record_id: string }>(
    "SELECT source_system, source_record_id FROM mpi_record_link WHERE person_id = $1 ORDER BY 1, 2",
    [personId],
  );
  return rows.map((r) => [r.source_system, r.source_record_id] as const);
}

async function moveRecords(
  q: Queryable,
  records: readonly RecordKey[],
  from: string,
  to: string,
): Promise<void> {
  if (records.length === 0) return;
  const systems = records.map((r) => r[0]);
  const ids = records.map((r) => r[1]);
  await q.query(
    `UPDATE mpi_record_link SET person_id = $2 WHERE person_id = $1
       AND (source_system, source_record_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
    [from, to, systems, ids],
  );
  await runMove(
    q,
    reassignRows(
      "person_record",
      from,
      to,
      sql`AND (t.source_system, t.source_record_id) IN (SELECT * FROM unnest(${systems}::text[], ${ids}::text[]))`,
    ),
  );
}

export interface MergeResult {
  mergeId: string | null;
  survivor: string;
  retired: string | null;
}

/** Merges `retired` into `survivor`: records, their rows and person-level rows all move; history is kept. */
export async function mergePersons(
  q: Queryable,
  survivor: string,
  retired: string,
  decidedBy: string,
  reason: string,
): Promise<MergeResult> {
  if (survivor === retired) return { mergeId: null, survivor, retired: null };
  await lockNames(q, [`person:${survivor}`, `person:${retired}`]);
  const golden = await q.query("SELECT * FROM person WHERE person_id = $1", [retired]);
  if (golden.length === 0) throw new MpiError(`No person ${retired} to merge`, "not-found", "mpi.no-person");
  const exists = await q.query("SELECT 1 FROM person WHERE person_id = $1", [survivor]);
  if (exists.length === 0)
    throw new MpiError(`No person ${survivor} to merge into`, "not-found", "mpi.no-person");
  const records = await recordsOf(q, retired);
  await moveRecords(q, records, retired, survivor);
  await moveAllActivity(q, retired, survivor);
  const moved = await movePersonLevelRows(q, retired, survivor);
  // A feed's event waiting to act on the retired person (a visit to move onto them) still asks it of the same
  // records, now the survivor's: it waits on the survivor, and an unmerge puts it back (kept with the moved rows).
  const movedItems = await q.query<{ review_id: string }>(
    `UPDATE mpi_review r SET candidate_person_id = $2 WHERE r.status = 'open' AND r.candidate_person_id = $1
       AND r.kind <> 'link' AND NOT EXISTS (
         SELECT 1 FROM mpi_review o WHERE o.status = 'open' AND o.candidate_person_id = $2
           AND o.source_system = r.source_system AND o.source_record_id = r.source_record_id AND o.kind = r.kind
           AND COALESCE(o.detail->>'visit', '') = COALESCE(r.detail->>'visit', ''))
     RETURNING r.review_id::text AS review_id`,
    [retired, survivor],
  );
  if (movedItems.length > 0) moved[REVIEW_ITEMS] = movedItems.map((r) => [r.review_id]);
  const mergeId = randomUUID();
  await q.query(
    `INSERT INTO mpi_merge (merge_id, survivor_person_id, retired_person_id, retired_person, records, moved_rows,
       decided_by, reason) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8)`,
    [
      mergeId,
      survivor,
      retired,
      JSON.stringify(golden[0]),
      JSON.stringify(records),
      JSON.stringify(moved),
      decidedBy,
      reason,
    ],
  );
  await q.query("DELETE FROM person WHERE person_id = $1", [retired]);
  await keepNhsNumberRoutes(q, [retired], new Map([[retired, golden[0].nhs_number as string | null]]));
  await q.query("DELETE FROM person_identifier WHERE person_id = $1", [retired]);
  // A link to the retired person is moot: superseded.
  await q.query(
    `UPDATE mpi_review SET status = 'superseded', decided_at = now(), decided_by = $2,
       detail = detail || jsonb_build_object('closed', 'the candidate was merged into another person')
     WHERE status = 'open' AND candidate_person_id = $1`,
    [retired, decidedBy],
  );
  await recordDecision(q, { kind: "merge", decidedBy, from: retired, to: survivor, reason });
  await recomputeGolden(q, [survivor]);
  await rebuildIdentifiers(q, [survivor]);
  return { mergeId, survivor, retired };
}

/** Undoes a merge: the retired person comes back with the records (and their rows) that were theirs. */
export async function unmerge(
  q: Queryable,
  mergeId: string,
  decidedBy: string,
  reason: string,
): Promise<MergeResult> {
  const rows = await q.query<{
    survivor_person_id: string;
    retired_person_id: string;
    retired_person: Record<string, unknown> | string;
    records: [string, string][] | string;
    moved_rows: MovedRows | string;
    unmerged_at: Date | null;
  }>(
    `SELECT survivor_person_id::text AS survivor_person_id, retired_person_id::text AS retired_person_id,
            retired_person, records, moved_rows, unmerged_at
     FROM mpi_merge WHERE merge_id = $1 FOR UPDATE`,
    [mergeId],
  );
  if (rows.length === 0) throw new MpiError(`No merge ${mergeId}`, "not-found", "mpi.no-merge");
  const m = rows[0];
  if (m.unmerged_at)
    throw new MpiError(`Merge ${mergeId} was already undone`, "conflict", "mpi.already-unmerged");
  const parse = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
  const golden = parse(m.retired_person);
  const survivor = m.survivor_person_id;
  const retired = m.retired_person_id;
  await lockNames(q, [`person:${survivor}`, `person:${retired}`]);
  // The records may have been merged on again since: move them from wherever they are now.
  const records = parse(m.records);
  const current = await q.query<{ person_id: string; source_system: string; source_record_id: string }>(
    `SELECT person_id::text AS person_id, source_system, source_record_id FROM mpi_record_link
     WHERE (source_system, source_record_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [records.map((r) => r[0]), records.map((r) => r[1])],
  );
  await withNhsNumberRoutes(q, [retired], () =>
    q.query(
      `INSERT INTO person SELECT * FROM jsonb_populate_record(NULL::person, $1::jsonb) ON CONFLICT (person_id) DO NOTHING`,
      [JSON.stringify(golden)],
    ),
  );
  const holders = new Set<string>();
  for (const holder of new Set(current.map((c) => c.person_id))) {
    const theirs = current
      .filter((c) => c.person_id === holder)
      .map((c) => [c.source_system, c.source_record_id] as const);
    await moveRecords(q, theirs, holder, retired);
    await moveRecordRows(q, theirs, holder, retired);
    holders.add(holder);
  }
  const movedRows = parse(m.moved_rows);
  await restorePersonLevelRows(q, movedRows, survivor, retired);
  // The feed's event items the merge moved onto the survivor wait on the retired person again, wherever later
  // merges took them since (those queued on the survivor after the merge stay).
  const items = (movedRows[REVIEW_ITEMS] ?? []).map((r) => r[0]);
  if (items.length > 0)
    await q.query(
      `UPDATE mpi_review SET candidate_person_id = $2
       WHERE review_id = ANY($1::uuid[]) AND status = 'open' AND candidate_person_id = ANY($3::uuid[])`,
      [items, retired, [survivor, ...holders]],
    );
  await q.query("UPDATE mpi_merge SET unmerged_at = now(), unmerged_by = $2 WHERE merge_id = $1", [
    mergeId,
    decidedBy,
  ]);
  await recordDecision(q, { kind: "unmerge", decidedBy, from: survivor, to: retired, reason });
  await recomputeGolden(q, [retired, survivor, ...holders]);
  await rebuildIdentifiers(q, [retired, survivor, ...holders]);
  return { mergeId, survivor, retired };
}

/**
 * Moves one source record (and its rows) to another person, or to a new person of its own when `to` is
 * null. A person left with no records is removed. Returns the person the record is now linked to.
 */
export async function relinkRecord(
  q: Queryable,
  record: RecordKey,
  to: string | null,
  decidedBy: string,
  reason: string,
  kind: "relink" | "review-link" | "review-separate" = "relink",
): Promise<string> {
  const rows = await q.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [record[0], record[1]],
  );
  if (rows.length === 0)
    throw new MpiError(`No record ${record[1]} from ${record[0]}`, "not-found", "mpi.no-record");
  const from = rows[0].person_id;
  const target = to ?? randomUUID();
  await lockNames(q, [`person:${from}`, `person:${target}`]);
  if (to) {
    const exists = await q.query("SELECT 1 FROM person WHERE person_id = $1", [to]);
    if (exists.length === 0) throw new MpiError(`No person ${to}`, "not-found", "mpi.no-person");
  }
  if (from !== target) {
    await moveRecords(q, [record], from, target);
    await moveRecordRows(q, [record], from, target);
    if (to) {
      // A record whose NHS Number was distrusted only because it disagreed with this person: trust it again.
      await q.query(
        `UPDATE mpi_record_link l SET nhs_number = p.nhs_number FROM person p, person_record pr
         WHERE l.source_system = $1 AND l.source_record_id = $2 AND p.person_id = $3
           AND pr.person_id = $3 AND pr.source_system = $1 AND pr.source_record_id = $2
           AND pr.nhs_number = p.nhs_number AND l.nhs_number IS NULL`,
        [record[0], record[1], to],
      );
    }
  }
  await recordDecision(q, { kind, decidedBy, from, to: target, reason, record });
  await recomputeGolden(q, [from, target]);
  await rebuildIdentifiers(q, [from, target]);
  return target;
}
