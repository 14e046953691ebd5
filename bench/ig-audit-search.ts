// Benchmark of the IG officer's "who looked at this person" search when the trail holds many large lists
// (registers of 10,000 people, packed into bytea): the search must look inside every packed list. Runs on
// the engine DATABASE_URL chooses (PGlite when unset), on a fresh database of its own, dropped after.
// Usage: node bench/ig-audit-search.ts [lists=200] [listSize=10000] [singleViews=20000]
import { randomUUID } from "node:crypto";
import { auditPageForPeople } from "../src/governance/ig.ts";
import { appendAuditEvent } from "../src/governance/index.ts";
import { openTestDb } from "../test/helpers/test-db.ts";

const LISTS = Number(process.argv[2] ?? 200);
const LIST_SIZE = Number(process.argv[3] ?? 10_000);
const SMALL_ROWS = Number(process.argv[4] ?? 20_000);
const RUNS = 30;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const t = await openTestDb();
try {
  const db = t.db;
  const everyone = Array.from({ length: LIST_SIZE }, () => randomUUID());
  const actor = {
    actorUserId: null,
    actor: "bench",
    roleCode: "gp",
    teamCode: "bench",
    purpose: "direct-care",
    channel: "bench",
  };
  const started = performance.now();
  for (let i = 0; i < LISTS; i++) {
    await appendAuditEvent(db, {
      ...actor,
      action: "list",
      personIds: everyone,
      allowed: true,
      reason: "register",
    });
  }
  for (let i = 0; i < SMALL_ROWS; i++) {
    const one = everyone[i % LIST_SIZE];
    await appendAuditEvent(db, {
      ...actor,
      action: "view",
      personIds: [one],
      allowed: true,
      reason: "registered",
    });
  }
  console.log(
    `trail: ${LISTS} lists of ${LIST_SIZE} and ${SMALL_ROWS} single views, written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const who = everyone[(i * 7919) % LIST_SIZE];
    const t0 = performance.now();
    const page = await auditPageForPeople(db, [who], { limit: 25, offset: 0 });
    samples.push(performance.now() - t0);
    if (page.total < LISTS) throw new Error(`expected at least ${LISTS} rows, found ${page.total}`);
  }
  console.log(
    `who looked at this person (first page of 25): p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms (${RUNS} runs, ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"})`,
  );
} finally {
  await t.dispose();
}
