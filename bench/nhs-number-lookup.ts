// A look-up by NHS Number, person's own index against the number's routes (person_by_nhs_number), and the
// admission notifier's idle probe beside them, in the database servers' CPU: the backend serving the look-ups
// and, on Citus, every worker backend working for it (found by the session's global pid). Wall-clock is printed
// too but means little on a loaded machine.
//
//   node bench/nhs-number-lookup.ts [--people N] [--lookups N] [--shards N]
//
// On the engine the test helper picks: DATABASE_URL alone is one PostgreSQL server, with ONEPLACE_TEST_CITUS=1
// a Citus cluster database distributed with 4 shards a table (--shards N redistributes person, the tables
// co-located with it and the routes to N first). Prints figures; not a timed test.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { citusTest, openTestDb } from "../test/helpers/test-db.ts";
import { processCpuMs } from "./ingest-bench-db.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "20000" },
    lookups: { type: "string", default: "2000" },
    shards: { type: "string" },
  },
});
const people = Number(values.people);
const lookups = Number(values.lookups);
const log = (s: string) => process.stderr.write(`${s}\n`);

const t = await openTestDb({ durableCommits: true });
if (!t.databaseUrl) throw new Error("Set DATABASE_URL (and ONEPLACE_TEST_CITUS=1 for a cluster).");
try {
  if (citusTest && values.shards) {
    log(`redistributing to ${values.shards} shards ...`);
    for (const [table, cascade] of [
      ["person", true],
      ["person_by_nhs_number", false],
    ] as const)
      await t.db.transaction(async (tx) => {
        // Triggers stay, as distribute keeps them (src/store/layout.ts).
        await tx.exec("SET LOCAL citus.enable_unsafe_triggers = on");
        await tx.query(
          `SELECT alter_distributed_table('${table}', shard_count := ${Number(values.shards)}, cascade_to_colocated := ${cascade})`,
        );
      });
  }
  // Synthetic people: numbers 9000000000 + n (unchecked digits do not matter to an index), their routes beside.
  await t.db.query(
    `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, source_system,
       source_record_id, received_at)
     SELECT md5('p' || g)::uuid, (9000000000 + g)::text, 'Bench', 'Person', date '1940-01-01' + g % 20000, 'female',
            'bench', 'p' || g, now()
       FROM generate_series(1, $1::int) g`,
    [people],
  );
  await t.db.query(
    `INSERT INTO person_by_nhs_number (nhs_number, person_id)
     SELECT (9000000000 + g)::text, md5('p' || g)::uuid FROM generate_series(1, $1::int) g`,
    [people],
  );
  await t.db.exec("ANALYZE person; ANALYZE person_by_nhs_number");
  const [{ shards }] = await t.db.query<{ shards: number }>(
    citusTest
      ? "SELECT shard_count AS shards FROM citus_tables WHERE table_name = 'person'::regclass"
      : "SELECT 1 AS shards",
  );

  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  // Keep every connection to the workers for the session, so that their CPU can be read at the end.
  if (citusTest) await client.query("SET citus.max_cached_conns_per_worker = 64");
  const [{ pid }] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
  const gpid = citusTest
    ? String((await client.query<{ g: string }>("SELECT citus_backend_gpid()::text AS g")).rows[0].g)
    : null;

  /** The backends working for this session now: its own and (Citus) the workers' connections for it. */
  async function backends(): Promise<number[]> {
    if (!gpid) return [pid];
    const rows = await t.db.query<{ result: string }>(
      `SELECT result FROM run_command_on_workers(
         $$SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = 'citus_internal gpid=${gpid}'$$)`,
    );
    return [pid, ...rows.flatMap((r) => (r.result ? r.result.split(",").map(Number) : []))];
  }
  /** utime + stime of a process in seconds (all nodes are on this machine). */
  const cpuOf = (p: number): number => processCpuMs(p) / 1000;

  const numbers = Array.from({ length: lookups }, (_, i) => String(9000000000 + 1 + ((i * 7919) % people)));
  type Form = { name: string; run: (nhs: string) => Promise<unknown> };
  const q = (text: string, params: unknown[]) => client.query({ text, values: params });
  const forms: Form[] = [
    {
      name: "person by its number (IG, MDT)",
      run: (nhs) => q("SELECT person_id FROM person WHERE nhs_number = $1", [nhs]),
    },
    {
      name: "the number's route (IG, MDT on Citus)",
      run: (nhs) => q("SELECT person_id::text FROM person_by_nhs_number WHERE nhs_number = $1", [nhs]),
    },
    {
      name: "person by number and birth date (citizen sign-in)",
      run: (nhs) =>
        q("SELECT person_id FROM person WHERE nhs_number = $1 AND birth_date = $2::date", [
          nhs,
          "1950-01-01",
        ]),
    },
    {
      name: "route, then the holder's row (citizen sign-in on Citus)",
      run: async (nhs) => {
        const r = await q("SELECT person_id::text FROM person_by_nhs_number WHERE nhs_number = $1", [nhs]);
        return q(
          "SELECT person_id FROM person WHERE person_id = ANY($3::uuid[]) AND nhs_number = $1 AND birth_date = $2::date",
          [nhs, "1950-01-01", r.rows.map((x: { person_id: string }) => x.person_id)],
        );
      },
    },
    {
      // Not a look-up by number: the other statement every serving process sends to every shard, twice a second.
      name: "for comparison: the admission notifier's idle probe",
      run: () => q("SELECT 1 FROM admission_notice_queue LIMIT 1", []),
    },
  ];
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  log(
    `${citusTest ? `Citus, ${shards} shards a table` : "one PostgreSQL server"}: ${people} people, ${lookups} look-ups a form`,
  );
  // Two rounds, each form back to back; the first warms connections and caches.
  for (const round of [1, 2]) {
    for (const form of forms) {
      for (const nhs of numbers.slice(0, 50)) await form.run(nhs);
      const before = new Map((await backends()).map((p) => [p, cpuOf(p)]));
      const started = performance.now();
      for (const nhs of numbers) await form.run(nhs);
      const ms = performance.now() - started;
      const after = await backends();
      const spent = (p: number) => cpuOf(p) - (before.get(p) ?? 0);
      const cpu = after.reduce((sum, p) => sum + spent(p), 0);
      const us = (s: number) => ((s * 1e6) / lookups).toFixed(0);
      if (round === 2)
        console.log(
          `${form.name.padEnd(56)} ${us(cpu).padStart(6)} µs server CPU a look-up (coordinator ${us(spent(pid))}, ${after.length - 1} worker backends ${us(cpu - spent(pid))}), ${(ms / lookups).toFixed(2)} ms wall, load ${load()}`,
        );
    }
  }
  await client.end();
} finally {
  await t.dispose();
}
