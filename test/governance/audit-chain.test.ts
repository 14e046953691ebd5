import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type AuditEventInput, appendAuditEvent } from "../../src/governance/audit-log.ts";
import { type AuditVerification, verifyAuditChain } from "../../src/governance/audit-verify.ts";
import { type Db, migrate, openDb } from "../../src/store/index.ts";
import { createTestDatabase, openTestDb, serverUrl } from "../helpers/test-db.ts";

const EVENT: AuditEventInput = {
  actorUserId: null,
  actor: "tester",
  roleCode: "gp",
  teamCode: "riverside-practice",
  purpose: "direct-care",
  action: "view",
  personIds: ["00000000-0000-4000-8000-000000000001"],
  allowed: true,
  reason: "legitimate relationship: registered",
  channel: "test",
};

async function append(db: Db, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await appendAuditEvent(db, { ...EVENT, reason: `${EVENT.reason} #${i}` });
}

/** Tampering as a database superuser would: past the append-only triggers. */
async function tamper(db: Db, sql: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("ALTER TABLE audit_event DISABLE TRIGGER USER");
    await tx.exec(sql);
    await tx.exec("ALTER TABLE audit_event ENABLE TRIGGER USER");
  });
}

const ROLLBACK = new Error("roll the tampering back");

/** The verification of the chain as `sql`, run as tamper() runs it, leaves it; then all of it is rolled back. */
async function verifyTampered(db: Db, sql: string): Promise<AuditVerification> {
  let result: AuditVerification | undefined;
  await db
    .transaction(async (tx) => {
      await tx.exec("ALTER TABLE audit_event DISABLE TRIGGER USER");
      await tx.exec(sql);
      await tx.exec("ALTER TABLE audit_event ENABLE TRIGGER USER");
      result = await verifyAuditChain(tx);
      throw ROLLBACK;
    })
    .catch((e) => {
      if (e !== ROLLBACK) throw e;
    });
  if (!result) throw new Error("the tampered chain was not verified");
  return result;
}

test("a fresh chain verifies, and each row carries the previous row's hash", async () => {
  const t = await openTestDb();
  try {
    await append(t.db, 4);
    // The hash covers the content's UTF-8 bytes: non-ASCII text, backslashes and quotes chain as the verifier reads them.
    await appendAuditEvent(t.db, { ...EVENT, detail: 'Zoë — "ward 5" \\x41 \\\\ ✓\n' });
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true);
    assert.equal(result.rows, 5);
    const rows = await t.db.query<{ prev_hash: string; hash: string }>(
      "SELECT prev_hash, hash FROM audit_event ORDER BY seq",
    );
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i].prev_hash, rows[i - 1].hash);
    assert.equal(result.head.hash, rows[4].hash);
  } finally {
    await t.dispose();
  }
});

test("the audit table refuses UPDATE, DELETE and TRUNCATE", async () => {
  const t = await openTestDb();
  try {
    await append(t.db, 2);
    await assert.rejects(t.db.query("UPDATE audit_event SET allowed = false"), /append-only/);
    await assert.rejects(t.db.query("DELETE FROM audit_event WHERE seq = 1"), /append-only/);
    await assert.rejects(t.db.exec("TRUNCATE audit_event"), /append-only/);
    assert.equal((await verifyAuditChain(t.db)).ok, true);
  } finally {
    await t.dispose();
  }
});

test("verify names an edited, a deleted, a reordered row, and rows deleted from the end", async () => {
  const cases: { name: string; sql: string; expect: RegExp }[] = [
    {
      name: "edited",
      sql: "UPDATE audit_event SET allowed = false WHERE seq = 4",
      expect: /row 4 .*changed after it was written/,
    },
    {
      name: "edited person",
      sql: "UPDATE audit_event SET person_ids = '{}' WHERE seq = 3",
      expect: /row 3 .*changed/,
    },
    { name: "deleted", sql: "DELETE FROM audit_event WHERE seq = 5", expect: /row 5 is missing/ },
    {
      name: "reordered",
      sql: "UPDATE audit_event SET seq = -1 WHERE seq = 6; UPDATE audit_event SET seq = 6 WHERE seq = 7; UPDATE audit_event SET seq = 7 WHERE seq = -1;",
      expect: /row 6 .*(does not follow|changed)/,
    },
    {
      name: "tail deleted",
      sql: "DELETE FROM audit_event WHERE seq >= 9",
      expect: /rows 9 to 10 are missing/,
    },
  ];
  // One chain of ten rows for every case: each tampering is verified inside its transaction, which is then
  // rolled back (the trigger switch with it), so the next case starts from the untouched chain.
  const t = await openTestDb();
  try {
    await append(t.db, 10);
    for (const c of cases) {
      const result = await verifyTampered(t.db, c.sql);
      assert.equal(result.ok, false, c.name);
      assert.match(result.problems.map((p) => p.message).join("\n"), c.expect, c.name);
    }
    const untouched = await verifyAuditChain(t.db);
    assert.equal(untouched.ok, true, JSON.stringify(untouched.problems));
    assert.equal(untouched.rows, 10);
  } finally {
    await t.dispose();
  }
});

test("concurrent writers keep one unbroken chain", async () => {
  const t = await openTestDb();
  try {
    // On a server the pool runs these on several connections at once; PGlite runs them one at a time.
    await Promise.all(Array.from({ length: 8 }, () => append(t.db, 25)));
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true, JSON.stringify(result.problems.slice(0, 3)));
    assert.equal(result.rows, 200);
  } finally {
    await t.dispose();
  }
});

test("a verification while the service appends reads one snapshot: no false 'deleted from the end'", async (t) => {
  const place = await openTestDb();
  try {
    if (place.db.engine === "pglite") {
      return t.skip("the embedded engine runs one transaction at a time: nothing can append meanwhile");
    }
    await append(place.db, 3);
    // An append that commits after the verification has read the rows and before it reads the chain head, on
    // another connection, as a serving process's would.
    let appended = false;
    const appendBeforeHead = async (sql: string) => {
      if (!appended && sql.includes("audit_chain_head")) {
        appended = true;
        await append(place.db, 1);
      }
    };
    const watched = <Q extends Pick<Db, "query">>(q: Q): Q =>
      new Proxy(q, {
        get(target, key, receiver) {
          if (key !== "query") return Reflect.get(target, key, receiver);
          return async (sql: string, ...rest: unknown[]) => {
            await appendBeforeHead(sql);
            return (target.query as (...a: unknown[]) => unknown)(sql, ...rest);
          };
        },
      });
    const db = new Proxy(watched(place.db), {
      get(target, key, receiver) {
        if (key !== "transaction") return Reflect.get(target, key, receiver);
        return <T>(fn: (tx: Db) => Promise<T>) => place.db.transaction((tx) => fn(watched(tx as Db)));
      },
    });
    const result = await verifyAuditChain(db);
    assert.equal(appended, true, "the append was made between the rows and the head");
    assert.deepEqual(result.problems, []);
    assert.equal(result.rows, 3);
    assert.equal((await verifyAuditChain(place.db)).rows, 4);
  } finally {
    await place.dispose();
  }
});

test("an append that returned survives the process being killed", async () => {
  const database = await createTestDatabase({ migrated: true });
  try {
    const setup = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
    await migrate(setup);
    await setup.close();
    const writer = fileURLToPath(new URL("./helpers/audit-writer.ts", import.meta.url));
    const child = spawn(process.execPath, [writer], {
      env: { ...process.env, ...database.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let reported = 0;
    let buffer = "";
    const enough = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk) => {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) reported = Math.max(reported, Number(line));
        if (reported >= 50) resolve();
      });
    });
    const exited = new Promise((resolve) => child.on("close", resolve));
    await enough;
    child.kill("SIGKILL");
    await exited;
    const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
    try {
      const result = await verifyAuditChain(db);
      assert.equal(result.ok, true, JSON.stringify(result.problems));
      assert.ok(result.rows >= reported, `${result.rows} rows kept, ${reported} reported as written`);
    } finally {
      await db.close();
    }
  } finally {
    await database.drop();
  }
});

test("a list of thousands is kept compactly, chained, and found by 'who looked at this person'", async () => {
  const t = await openTestDb();
  try {
    const ids = Array.from(
      { length: 2_000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    await appendAuditEvent(t.db, {
      ...EVENT,
      action: "list",
      personIds: ids.slice(0, 1_500),
      withheldIds: ids.slice(1_500),
    });
    await append(t.db, 2);
    const stored = await t.db.query<{ person_ids: string[]; person_set: Uint8Array | null }>(
      "SELECT person_ids, person_set FROM audit_event WHERE action = 'list'",
    );
    assert.deepEqual(stored[0].person_ids, []);
    assert.equal(stored[0].person_set?.length, 1_500 * 16);
    assert.equal((await verifyAuditChain(t.db)).ok, true);
    // Each packed person is indexed once with the list it is in, so the search below is a look-up.
    const members = await t.db.query<{ withheld: boolean; n: number }>(
      "SELECT withheld, count(DISTINCT person_id)::int AS n FROM audit_set_member GROUP BY withheld ORDER BY withheld",
    );
    assert.deepEqual(
      members.map((m) => [m.withheld, m.n]),
      [
        [false, 1_500],
        [true, 500],
      ],
    );
    const { auditForPerson } = await import("../../src/governance/audit-query.ts");
    const operator = { userId: null, name: "cli:test", channel: "test" };
    const inList = await auditForPerson(t.db, operator, ids[1_234]);
    assert.deepEqual(
      inList.events.map((e) => e.action),
      ["list"],
    );
    assert.equal(inList.events[0].personIds.length, 1_500);
    assert.deepEqual(
      (await auditForPerson(t.db, operator, ids[1_700])).events.map((e) => e.withheldIds.length),
      [500],
    );
    assert.equal(
      (await auditForPerson(t.db, operator, "00000000-0000-4000-8000-999999999999")).events.length,
      0,
    );
    // Take one person out of the packed list: the chain notices.
    await tamper(
      t.db,
      "UPDATE audit_event SET person_set = substring(person_set FROM 17) WHERE action = 'list'",
    );
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, false);
    assert.match(result.problems[0].message, /row 1 .*changed after it was written/);
  } finally {
    await t.dispose();
  }
});

test("group commit: appends asked for together go in one statement, in the order asked, each caller its own row", async () => {
  const t = await openTestDb();
  try {
    await append(t.db, 1);
    let statements = 0;
    const counted: Db = {
      ...t.db,
      transaction: t.db.transaction.bind(t.db),
      close: t.db.close.bind(t.db),
      query: (sql, params) => {
        if (typeof sql !== "string" && sql.name === "gov.audit.append") statements++;
        return t.db.query(sql, params);
      },
    };
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, i) => appendAuditEvent(counted, { ...EVENT, reason: `together #${i}` })),
    );
    assert.ok(statements >= 1 && statements <= 2, `${statements} statements for 20 appends`);
    assert.deepEqual(
      appended.map((a) => a.seq),
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    const rows = await t.db.query<{ seq: number; event_id: string; reason: string; hash: string }>(
      "SELECT seq, event_id::text, reason, hash FROM audit_event WHERE seq > 1 ORDER BY seq",
    );
    assert.deepEqual(
      rows.map((r) => [r.seq, r.event_id, r.reason, r.hash]),
      appended.map((a, i) => [a.seq, a.eventId, `together #${i}`, a.hash]),
    );
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true, JSON.stringify(result.problems.slice(0, 3)));
    assert.equal(result.head.seq, 21);
  } finally {
    await t.dispose();
  }
});

test("group commit: every field of rows appended together is stored as given, and the chain verifies", async () => {
  const t = await openTestDb();
  try {
    const someone = "00000000-0000-4000-8000-00000000000a";
    const long = Array.from(
      { length: 70 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    // What a batch's one JSON parameter must carry unchanged: quotes, backslashes, braces and commas (array
    // literal syntax), non-ASCII, control characters, the word NULL, nulls, booleans, numbers, uuids, a long list.
    const inputs: AuditEventInput[] = [
      {
        ...EVENT,
        detail: 'GET /fhir/R4/Patient?name="O\'Brien", {a,b} \\x41 Zoë ✓ 🏥\n\tNULL',
        reason: "NULL",
        relationship: "registered",
        disclosure: "identifiable",
        clientAddress: "::ffff:127.0.0.1",
      },
      {
        ...EVENT,
        actorUserId: someone,
        roleCode: null,
        teamCode: null,
        purpose: null,
        action: "search",
        personIds: [someone, "00000000-0000-4000-8000-00000000000B"],
        withheldIds: ["00000000-0000-4000-8000-00000000000c"],
        personCount: 7,
        allowed: false,
        breakGlassId: someone,
        flagged: true,
        detail: "",
      },
      { ...EVENT, action: "list", personIds: long, withheldIds: long.slice(0, 66), detail: null },
    ];
    const appended = await Promise.all(inputs.map((input) => appendAuditEvent(t.db, input)));
    const rows = await t.db.query(
      `SELECT seq, actor_user_id::text, actor, role_code, team_code, purpose, action, person_ids::text[],
              withheld_ids::text[], length(person_set) AS person_set, length(withheld_set) AS withheld_set,
              person_count, allowed, reason, relationship, disclosure, break_glass_id::text, flagged, channel,
              client_address, detail
         FROM audit_event ORDER BY seq`,
    );
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      appended.map((a) => a.seq),
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r, seq: undefined })),
      [
        {
          ...storedFields(inputs[0]),
          person_ids: [EVENT.personIds?.[0]],
          person_count: 1,
          relationship: "registered",
          disclosure: "identifiable",
          client_address: "::ffff:127.0.0.1",
        },
        {
          ...storedFields(inputs[1]),
          actor_user_id: someone,
          person_ids: [someone, "00000000-0000-4000-8000-00000000000b"],
          withheld_ids: ["00000000-0000-4000-8000-00000000000c"],
          person_count: 7,
          break_glass_id: someone,
          flagged: true,
        },
        {
          ...storedFields(inputs[2]),
          person_ids: [],
          person_set: 70 * 16,
          withheld_set: 66 * 16,
          person_count: 70,
        },
      ],
    );
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true, JSON.stringify(result.problems.slice(0, 3)));
    assert.equal(result.rows, 3);
  } finally {
    await t.dispose();
  }
});

/** The columns of a stored row as an input with no lists, counts or optional fields gives them. */
function storedFields(input: AuditEventInput) {
  return {
    seq: undefined,
    actor_user_id: input.actorUserId,
    actor: input.actor,
    role_code: input.roleCode,
    team_code: input.teamCode,
    purpose: input.purpose,
    action: input.action,
    person_ids: [],
    withheld_ids: [],
    person_set: null,
    withheld_set: null,
    person_count: 0,
    allowed: input.allowed,
    reason: input.reason,
    relationship: null,
    disclosure: null,
    break_glass_id: null,
    flagged: false,
    channel: input.channel,
    client_address: null,
    detail: input.detail ?? null,
  };
}

test("group commit: a row the database refuses fails only its own caller; the others are written", async () => {
  const t = await openTestDb();
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        appendAuditEvent(t.db, {
          ...EVENT,
          reason: `mixed #${i}`,
          breakGlassId: i === 3 ? "not-a-uuid" : null,
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"],
    );
    const reasons = await t.db.query<{ reason: string }>("SELECT reason FROM audit_event ORDER BY seq");
    assert.deepEqual(
      reasons.map((r) => r.reason),
      ["mixed #0", "mixed #1", "mixed #2", "mixed #4", "mixed #5"],
    );
    assert.equal((await verifyAuditChain(t.db)).ok, true);
  } finally {
    await t.dispose();
  }
});

test("group commit: an append has committed when it returns, and two processes' batches make one chain", {
  skip: serverUrl ? false : "two handles on one database need a server (PGlite is one process)",
}, async () => {
  const database = await createTestDatabase({ migrated: true });
  const first = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  const second = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  try {
    await migrate(first);
    // Seen at once from another connection: the row committed before the caller got control back.
    const { eventId } = await appendAuditEvent(first, EVENT);
    const seen = await second.query("SELECT 1 FROM audit_event WHERE event_id = $1", [eventId]);
    assert.equal(seen.length, 1);
    // Two handles (as two server processes would be) append at once; their batches interleave on the head.
    const burst = (db: Db, who: string) =>
      Promise.all(
        Array.from({ length: 10 }, async (_, round) => {
          await new Promise((r) => setTimeout(r, round));
          await Promise.all(
            Array.from({ length: 5 }, (_, i) =>
              appendAuditEvent(db, { ...EVENT, reason: `${who} ${round}.${i}` }),
            ),
          );
        }),
      );
    await Promise.all([burst(first, "first"), burst(second, "second")]);
    const result = await verifyAuditChain(first);
    assert.equal(result.ok, true, JSON.stringify(result.problems.slice(0, 3)));
    assert.equal(result.rows, 101);
  } finally {
    await first.close();
    await second.close();
    await database.drop();
  }
});
