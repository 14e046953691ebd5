// Walks the audit chain and names every row that does not fit: edited (its hash no longer matches its
// content), deleted (a gap in the positions, or the head is ahead of the last row), or reordered/replaced
// (its prev_hash is not the hash of the row before it).
import type { Db, Queryable } from "../store/index.ts";
import { canonicalContent, chainHash, GENESIS_HASH } from "./audit-log.ts";
import { auditRecordsInOrder } from "./audit-records.ts";
import { verifyBreakGlassSeals } from "./break-glass-seal.ts";

export interface AuditProblem {
  seq: number;
  eventId: string | null;
  problem:
    | "edited"
    | "missing"
    | "out-of-chain"
    | "head-mismatch"
    | "break-glass-edited"
    | "break-glass-unsealed"
    | "break-glass-missing";
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  head: { seq: number; hash: string };
  problems: AuditProblem[];
}

const MAX_PROBLEMS = 50;

/**
 * Verifies the whole chain. Given the database (not a transaction), it reads the rows, the head and the
 * break-glass seals in one snapshot (a read-only REPEATABLE READ transaction): read one after another while the
 * service appends, a row committed between the last page and the head would be reported as deleted from the
 * end. Given a transaction, it reads in that transaction's snapshot, as the caller set it.
 */
export async function verifyAuditChain(db: Db | Queryable): Promise<AuditVerification> {
  if (!("transaction" in db)) return verifyInSnapshot(db);
  return db.transaction(async (tx) => {
    await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    return verifyInSnapshot(tx);
  });
}

async function verifyInSnapshot(db: Queryable): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  const note = (p: AuditProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  let rows = 0;
  let lastSeq = 0;
  for await (const r of auditRecordsInOrder(db)) {
    rows++;
    if (r.seq > expectedSeq) {
      const gap =
        r.seq - expectedSeq === 1 ? `row ${expectedSeq} is` : `rows ${expectedSeq} to ${r.seq - 1} are`;
      note({
        seq: expectedSeq,
        eventId: null,
        problem: "missing",
        message: `audit ${gap} missing (deleted)`,
      });
    } else if (r.seq < expectedSeq) {
      note({
        seq: r.seq,
        eventId: r.eventId,
        problem: "out-of-chain",
        message: `audit row ${r.seq} is out of order`,
      });
    }
    if (r.prevHash !== previousHash) {
      note({
        seq: r.seq,
        eventId: r.eventId,
        problem: "out-of-chain",
        message: `audit row ${r.seq} (event ${r.eventId}) does not follow the row before it: rows were deleted, reordered or replaced`,
      });
    }
    if (chainHash(r.prevHash, r.seq, canonicalContent(r)) !== r.hash) {
      note({
        seq: r.seq,
        eventId: r.eventId,
        problem: "edited",
        message: `audit row ${r.seq} (event ${r.eventId}) was changed after it was written: its content does not match its hash`,
      });
    }
    expectedSeq = r.seq + 1;
    previousHash = r.hash;
    lastSeq = r.seq;
  }
  const headRows = await db.query<{ seq: number; hash: string }>(
    "SELECT seq, hash FROM audit_chain_head WHERE id = 1",
  );
  const head = headRows[0] ?? { seq: -1, hash: "" };
  if (head.seq > lastSeq) {
    const gap = head.seq - lastSeq === 1 ? `row ${head.seq} is` : `rows ${lastSeq + 1} to ${head.seq} are`;
    note({
      seq: lastSeq + 1,
      eventId: null,
      problem: "missing",
      message: `audit ${gap} missing (deleted from the end)`,
    });
  } else if (head.seq !== lastSeq || head.hash !== previousHash) {
    note({
      seq: head.seq,
      eventId: null,
      problem: "head-mismatch",
      message: `the chain head (row ${head.seq}) does not match the last row (${lastSeq}): the head was altered`,
    });
  }
  // Break-glass reasons and reviews, against their seals in the chain.
  for (const p of await verifyBreakGlassSeals(db)) {
    note({ seq: 0, eventId: null, problem: p.problem, message: p.message });
  }
  return { ok: problems.length === 0, rows, head: { seq: Number(head.seq), hash: head.hash }, problems };
}
