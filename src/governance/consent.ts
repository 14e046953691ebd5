// Recording objections and the national data opt-out, each with its date and source. Feeds (the GP system,
// the national opt-out service) will call these; the access decision and every pseudonymised output read them.
import { randomUUID } from "node:crypto";
import { isIsoDate } from "../core/dates.ts";
import type { Queryable } from "../store/index.ts";
import { GovernanceError } from "./errors.ts";

export interface ConsentRecord {
  personId: string;
  recordedOn: string;
  source: string;
  sourceSystem: string;
  sourceRecordId: string;
}

function check(r: ConsentRecord): void {
  if (!isIsoDate(r.recordedOn)) throw new GovernanceError("recordedOn must be a date (YYYY-MM-DD)");
  if (!r.source.trim()) throw new GovernanceError("an objection or opt-out needs its source");
}

/** An objection to sharing: the record is then visible only to the holding organisation (and break-glass). */
export async function recordObjection(
  db: Queryable,
  r: ConsentRecord & { holdingOrgCode: string },
): Promise<string> {
  check(r);
  const id = randomUUID();
  await db.query(
    `INSERT INTO sharing_objection (person_id, objection_id, holding_org_code, recorded_on, source, source_system,
       source_record_id, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (person_id, source_system, source_record_id) DO NOTHING`,
    [r.personId, id, r.holdingOrgCode, r.recordedOn, r.source, r.sourceSystem, r.sourceRecordId],
  );
  return id;
}

export async function withdrawObjection(
  db: Queryable,
  personId: string,
  withdrawnOn: string,
): Promise<number> {
  const rows = await db.query(
    "UPDATE sharing_objection SET withdrawn_on = $2 WHERE person_id = $1 AND withdrawn_on IS NULL RETURNING 1",
    [personId, withdrawnOn],
  );
  return rows.length;
}

/** The national data opt-out: excluded from every secondary use from this date. */
export async function recordOptOut(db: Queryable, r: ConsentRecord): Promise<string> {
  check(r);
  const id = randomUUID();
  await db.query(
    `INSERT INTO data_opt_out (person_id, opt_out_id, recorded_on, source, source_system, source_record_id, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (person_id, source_system, source_record_id) DO NOTHING`,
    [r.personId, id, r.recordedOn, r.source, r.sourceSystem, r.sourceRecordId],
  );
  return id;
}

export async function withdrawOptOut(db: Queryable, personId: string, withdrawnOn: string): Promise<number> {
  const rows = await db.query(
    "UPDATE data_opt_out SET withdrawn_on = $2 WHERE person_id = $1 AND withdrawn_on IS NULL RETURNING 1",
    [personId, withdrawnOn],
  );
  return rows.length;
}
