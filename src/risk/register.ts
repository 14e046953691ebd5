// Registers: a saved cohort kept per practice or per locality. Each refresh against the latest
// stratification records who joined and who left, so a practice sees the changes since last month.
import type { Db, Queryable } from "../store/index.ts";
import { CohortError, compileCohort, savedCriteria } from "./cohort.ts";

export type RegisterScope = "practice" | "locality";

export async function createRegister(
  db: Queryable,
  registerId: string,
  cohortId: string,
  scope: RegisterScope,
): Promise<void> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(registerId)) {
    throw new CohortError(
      `A register id is lowercase words joined by hyphens, not "${registerId}"`,
      "invalid",
      "risk.register-id",
    );
  }
  if (scope !== "practice" && scope !== "locality")
    throw new CohortError(
      "A register is kept per practice or per locality",
      "invalid",
      "risk.register-level",
    );
  await savedCriteria(db, cohortId);
  await db.query(
    `INSERT INTO risk_register (register_id, cohort_id, scope) VALUES ($1, $2, $3)
     ON CONFLICT (register_id) DO UPDATE SET cohort_id = excluded.cohort_id, scope = excluded.scope`,
    [registerId, cohortId, scope],
  );
}

export interface RefreshResult {
  registerId: string;
  asOf: string;
  members: number;
  joined: number;
  left: number;
}

/**
 * Brings a register up to the latest stratification: people newly in the cohort join (dated the
 * stratification's as-of date), people no longer in it leave, and a person whose practice (or locality)
 * changed leaves the old one and joins the new.
 */
export async function refreshRegister(db: Db, registerId: string): Promise<RefreshResult> {
  const [reg] = await db.query<{ cohort_id: string; scope: RegisterScope }>(
    "SELECT cohort_id, scope FROM risk_register WHERE register_id = $1",
    [registerId],
  );
  if (!reg) throw new CohortError(`There is no register "${registerId}"`, "not-found", "risk.no-register");
  const [run] = await db.query<{ as_of: string }>(
    "SELECT as_of FROM risk_run WHERE kind = 'full' ORDER BY started_at DESC LIMIT 1",
  );
  if (!run)
    throw new CohortError(
      "There is no stratification yet: run 'oneplace stratify' first",
      "unavailable",
      "risk.no-stratification",
    );
  const criteria = await savedCriteria(db, reg.cohort_id);
  const c = await compileCohort(db, criteria, reg.cohort_id);
  const orgColumn = reg.scope === "practice" ? "rp.practice_code" : "coalesce(rp.locality_code, 'unknown')";
  // The cohort is read where the members are (no temporary table: on a Citus cluster one cannot be joined to
  // the distributed members), once for who left and once for who joined. Both statements see the same
  // stratification: the first holds its lock on risk_person, which a swap in of a new run must wait for.
  const asOf = `$${c.params.length + 1}::date`;
  const register = `$${c.params.length + 2}`;
  const params = [...c.params, run.as_of, registerId];
  return db.transaction(async (tx) => {
    const left = await tx.query(
      `UPDATE risk_register_member mem SET left_on = ${asOf}
       WHERE mem.register_id = ${register} AND mem.left_on IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${c.from} WHERE rp.person_id = mem.person_id AND ${orgColumn} = mem.org_code
                           AND ${c.where})
       RETURNING 1`,
      params,
    );
    const joined = await tx.query(
      `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on)
       SELECT rp.person_id, ${register}, ${orgColumn}, ${asOf} FROM ${c.from}
       WHERE ${c.where}
         AND NOT EXISTS (SELECT 1 FROM risk_register_member mem WHERE mem.person_id = rp.person_id
                           AND mem.register_id = ${register} AND mem.left_on IS NULL)
       ON CONFLICT (person_id, register_id, joined_on) DO UPDATE SET left_on = NULL, org_code = excluded.org_code
       RETURNING 1`,
      params,
    );
    const [count] = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM risk_register_member WHERE register_id = $1 AND left_on IS NULL",
      [registerId],
    );
    await tx.query("UPDATE risk_register SET refreshed_on = $1 WHERE register_id = $2", [
      run.as_of,
      registerId,
    ]);
    return { registerId, asOf: run.as_of, members: count.n, joined: joined.length, left: left.length };
  });
}

export interface RegisterChanges {
  orgCode: string;
  members: number;
  joined: number;
  left: number;
}

/** Per practice (or locality): members now, and who joined and left after `since` (e.g. a month ago). */
export async function registerChanges(
  db: Queryable,
  registerId: string,
  since: string,
): Promise<RegisterChanges[]> {
  return (
    await db.query<{ org_code: string; members: number; joined: number; left: number }>(
      `SELECT org_code,
         count(*) FILTER (WHERE left_on IS NULL) AS members,
         count(*) FILTER (WHERE joined_on > $2) AS joined,
         count(*) FILTER (WHERE left_on > $2) AS left
       FROM risk_register_member WHERE register_id = $1
       GROUP BY org_code ORDER BY org_code`,
      [registerId, since],
    )
  ).map((r) => ({ orgCode: r.org_code, members: r.members, joined: r.joined, left: r.left }));
}

export interface RegisterMovement {
  personId: string;
  orgCode: string;
  change: "joined" | "left";
  on: string;
}

/**
 * Who joined and left after `since`, by internal id only. Like cohortMembers, governance must wrap this
 * before it reaches a person: identifiable only where there is a legitimate relationship, audited.
 */
export async function registerMovements(
  db: Queryable,
  registerId: string,
  since: string,
): Promise<RegisterMovement[]> {
  const rows = await db.query<{ person_id: string; org_code: string; change: "joined" | "left"; on: string }>(
    `SELECT person_id::text, org_code, 'joined' AS change, joined_on::text AS on FROM risk_register_member
       WHERE register_id = $1 AND joined_on > $2
     UNION ALL
     SELECT person_id::text, org_code, 'left', left_on::text FROM risk_register_member
       WHERE register_id = $1 AND left_on > $2
     ORDER BY org_code, change, person_id`,
    [registerId, since],
  );
  return rows.map((r) => ({ personId: r.person_id, orgCode: r.org_code, change: r.change, on: r.on }));
}
