// What an idle admission notifier costs the database servers: the notifier of one serving process polling an
// empty queue (every 500 ms, as `oneplace serve` runs it) for a while, in the CPU of every backend of the
// scratch database on every node (the coordinator's and, on Citus, the workers' connections for it; not Citus's
// maintenance daemons), and the statements it sent. Wall-clock means little on a loaded machine.
//
//   node bench/notifier-idle.ts [--seconds 60] [--shards N]
//
// On the engine the test helper picks: DATABASE_URL alone is one PostgreSQL server, with ONEPLACE_TEST_CITUS=1
// a Citus cluster database with 4 shards a table (--shards N redistributes person and the tables co-located
// with it, the queue among them, to N first). Prints figures; not a timed test.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { startAdmissionNotifier } from "../src/care/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { openDb, type Queryable } from "../src/store/index.ts";
import { citusTest, openTestDb } from "../test/helpers/test-db.ts";
import { processCpuMs } from "./ingest-bench-db.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    shards: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const log = (s: string) => process.stderr.write(`${s}\n`);

const t = await openTestDb({ prefix: "citus-bench" });
if (!t.databaseUrl || !t.name) throw new Error("Set DATABASE_URL (and ONEPLACE_TEST_CITUS=1 for a cluster).");
const name = t.name;
try {
  if (citusTest && values.shards) {
    log(`redistributing to ${values.shards} shards ...`);
    await t.db.transaction(async (tx) => {
      await tx.exec("SET LOCAL citus.enable_unsafe_triggers = on");
      await tx.query(
        `SELECT alter_distributed_table('person', shard_count := ${Number(values.shards)}, cascade_to_colocated := true)`,
      );
    });
  }
  const [{ shards }] = await t.db.query<{ shards: number }>(
    citusTest
      ? "SELECT shard_count AS shards FROM citus_tables WHERE table_name = 'admission_notice_queue'::regclass"
      : "SELECT 1 AS shards",
  );
  // Keep the workers' connections for the whole run, so each backend's CPU can be read at the end.
  if (citusTest) await t.db.exec(`ALTER DATABASE ${name} SET citus.max_cached_conns_per_worker = 64`);

  /** Every backend of the database on every node, but the maintenance daemons. */
  async function backends(): Promise<number[]> {
    const own = `SELECT coalesce(string_agg(pid::text, ','), '') AS result FROM pg_stat_activity
      WHERE datname = '${name}' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`;
    const rows = citusTest
      ? await t.db.query<{ result: string }>(`SELECT result FROM run_command_on_all_nodes($$${own}$$)`)
      : await t.db.query<{ result: string }>(own);
    return rows.flatMap((r) => (r.result ? r.result.split(",").map(Number) : []));
  }
  /** utime + stime of a process in seconds (all nodes are on this machine). */
  const cpuOf = (p: number): number => processCpuMs(p) / 1000;

  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  const statements = new Map<string, number>();
  const counted = <Q extends Queryable>(q: Q): Q =>
    new Proxy(q, {
      get(target, key) {
        if (key === "query")
          return (sql: string | { text: string }, params?: readonly unknown[]) => {
            const text = (typeof sql === "string" ? sql : sql.text).replace(/\s+/g, " ").slice(0, 70);
            statements.set(text, (statements.get(text) ?? 0) + 1);
            return target.query(sql as string, params);
          };
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const notifier = startAdmissionNotifier({ db: counted(db), logger: createLogger({ level: "warn" }) });
  try {
    await sleep(3000); // connections made, the first probe done
    statements.clear();
    const pids = await backends();
    const before = new Map(pids.map((p) => [p, cpuOf(p)]));
    await sleep(seconds * 1000);
    const after = await backends();
    const spent = after.reduce((sum, p) => sum + cpuOf(p) - (before.get(p) ?? 0), 0);
    const gone = pids.filter((p) => !after.includes(p)).length;
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(
      `${citusTest ? `Citus, ${shards} shards a table` : "one PostgreSQL server"}: an idle notifier for ${seconds} s: ` +
        `${((spent * 1e6) / seconds).toFixed(0)} µs of server CPU a second (${after.length} backends, ${gone} gone since the start), load ${load}`,
    );
    for (const [text, n] of statements) console.log(`  ${String(n).padStart(5)} × ${text}`);
  } finally {
    await notifier.stop();
    await db.close();
  }
} finally {
  await t.dispose();
}
