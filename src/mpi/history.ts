import type { Queryable } from "../store/index.ts";

/** One decision of the master person index: a link, a separation, a merge or an unmerge. */
export type MpiDecision = {
  decided_at: Date;
  decided_by: string;
  kind: string;
  source_system: string | null;
  source_record_id: string | null;
  from_person_id: string | null;
  to_person_id: string | null;
  score: number | null;
  reason: string;
};

/** Every decision about a person (either side of it) or about one source record, oldest first. */
export async function decisionHistory(
  db: Queryable,
  about: { personId: string } | { sourceSystem: string; recordId: string },
): Promise<MpiDecision[]> {
  const where =
    "personId" in about
      ? { sql: "to_person_id = $1 OR from_person_id = $1", params: [about.personId] }
      : { sql: "source_system = $1 AND source_record_id = $2", params: [about.sourceSystem, about.recordId] };
  return db.query<MpiDecision>(
    `SELECT decided_at, decided_by, kind, source_system, source_record_id, from_person_id::text AS from_person_id,
            to_person_id::text AS to_person_id, score, reason
       FROM mpi_decision WHERE ${where.sql} ORDER BY decided_at, decision_id`,
    where.params,
  );
}

/** One merge a person took part in (as survivor or retired), and whether it was undone. */
export interface MergeEntry {
  mergeId: string;
  survivorPersonId: string;
  retiredPersonId: string;
  records: number;
  decidedAt: string;
  decidedBy: string;
  reason: string;
  unmergedAt: string | null;
  unmergedBy: string | null;
}

/** Every merge the person survived or was retired by, newest first. */
export async function mergesOf(db: Queryable, personId: string): Promise<MergeEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT merge_id::text AS merge_id, survivor_person_id::text AS survivor, retired_person_id::text AS retired,
            jsonb_array_length(records) AS records, merged_at, decided_by, reason, unmerged_at, unmerged_by
       FROM mpi_merge WHERE survivor_person_id = $1 OR retired_person_id = $1
      ORDER BY merged_at DESC, merge_id`,
    [personId],
  );
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ? String(v) : null);
  return rows.map((r) => ({
    mergeId: String(r.merge_id),
    survivorPersonId: String(r.survivor),
    retiredPersonId: String(r.retired),
    records: Number(r.records),
    decidedAt: iso(r.merged_at) ?? "",
    decidedBy: String(r.decided_by),
    reason: String(r.reason),
    unmergedAt: iso(r.unmerged_at),
    unmergedBy: (r.unmerged_by as string | null) ?? null,
  }));
}

/**
 * The people merged into these, and into those in turn, by merges not undone: what stays recorded under their ids
 * (the audit, a break-glass access) is the survivors' history too. Merges are few a person, so a query a step.
 */
export async function peopleMergedInto(db: Queryable, personIds: readonly string[]): Promise<string[]> {
  const found = new Set<string>(personIds);
  const merged: string[] = [];
  for (let step = [...personIds]; step.length > 0; ) {
    const rows = await db.query<{ id: string }>(
      `SELECT retired_person_id::text AS id FROM mpi_merge
        WHERE survivor_person_id = ANY($1::uuid[]) AND unmerged_at IS NULL`,
      [step],
    );
    step = rows.map((r) => r.id).filter((id) => !found.has(id));
    for (const id of step) found.add(id);
    merged.push(...step);
  }
  return merged.sort();
}

/** For each of these people merged away (by a merge not undone), the person they are now part of. */
export async function survivorsOf(db: Queryable, personIds: readonly string[]): Promise<Map<string, string>> {
  const now = new Map<string, string>();
  let step = [...new Set(personIds)];
  // Each id's current survivor: followed up a chain of merges, at most one standing merge per retired person.
  const current = new Map(step.map((id) => [id, id]));
  for (let depth = 0; step.length > 0 && depth < 100; depth++) {
    const rows = await db.query<{ retired: string; survivor: string }>(
      `SELECT retired_person_id::text AS retired, survivor_person_id::text AS survivor FROM mpi_merge
        WHERE retired_person_id = ANY($1::uuid[]) AND unmerged_at IS NULL`,
      [step],
    );
    const up = new Map(rows.map((r) => [r.retired, r.survivor]));
    for (const [id, at] of current) {
      const next = up.get(at);
      if (next) {
        current.set(id, next);
        now.set(id, next);
      }
    }
    step = [...new Set(rows.map((r) => r.survivor))];
  }
  return now;
}

/**
 * The people now holding those merged away (by merges not undone) who had this NHS Number when they were merged:
 * a request quoting a merged person's own number, where it differed from the survivor's, is about them.
 */
export async function survivorsOfMergedNhsNumber(db: Queryable, nhsNumber: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT retired_person_id::text AS id FROM mpi_merge
      WHERE unmerged_at IS NULL AND retired_person->>'nhs_number' = $1`,
    [nhsNumber],
  );
  if (rows.length === 0) return [];
  const now = await survivorsOf(
    db,
    rows.map((r) => r.id),
  );
  return [...new Set(rows.flatMap((r) => now.get(r.id) ?? []))].sort();
}

/** A person merged away by a merge not undone: who they were when merged, and whom they are now part of. */
export interface MergedPerson {
  personId: string;
  survivorPersonId: string;
  mergedAt: string;
  /** The golden record as it was at the merge (the person row itself is gone). */
  person: Record<string, unknown>;
}

/** These merged-away people as they were at their merges (merges not undone), in the order given. */
export async function mergedPeople(db: Queryable, retiredIds: readonly string[]): Promise<MergedPerson[]> {
  if (retiredIds.length === 0) return [];
  const rows = await db.query<{
    retired: string;
    survivor: string;
    merged_at: Date;
    retired_person: unknown;
  }>(
    `SELECT retired_person_id::text AS retired, survivor_person_id::text AS survivor, merged_at, retired_person
       FROM mpi_merge WHERE retired_person_id = ANY($1::uuid[]) AND unmerged_at IS NULL`,
    [retiredIds],
  );
  const byId = new Map(rows.map((r) => [r.retired, r]));
  return retiredIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const person = typeof r.retired_person === "string" ? JSON.parse(r.retired_person) : r.retired_person;
    return [
      {
        personId: id,
        survivorPersonId: r.survivor,
        mergedAt: new Date(r.merged_at).toISOString(),
        person: person as Record<string, unknown>,
      },
    ];
  });
}
