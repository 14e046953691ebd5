// One person's whole record over the FHIR API on a loaded place, as bench/scale.ts reads it but without building
// the place: `Patient/$everything` for people of the largest practice, one after another, by a GP with a bearer
// token, through `oneplace serve` in its own process. Each read is decided and audited. Prints p50/p95 and CPU
// per read: the server's, and the database's: every backend of the place's database on this machine (on a Citus
// cluster on this machine, the coordinator's and each worker's), so the place must be the bench's alone while it
// runs. For the same place on one PostgreSQL server and on a Citus cluster.
//
//   DATABASE_URL=postgres://.../place node bench/fhir-everything.ts [--reads N]
//
// It adds a bench team, user and token to the place (idempotent) and the reads' audit rows; nothing else.
import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDb } from "../src/store/index.ts";
import { largestPracticeReads, startBenchServer } from "./fhir-setup.ts";

const { values } = parseArgs({ options: { reads: { type: "string", default: "50" } } });
const url = process.env.DATABASE_URL?.trim();
if (!url) throw new Error("DATABASE_URL must name a loaded place (oneplace synth, on PostgreSQL or Citus)");
const WARM_UP = 5;

/** User plus system CPU seconds of a process on this machine (0 once it has gone). */
function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of each backend of the place's database, on the server and (Citus) on every worker. */
async function databaseCpu(databaseUrl: string): Promise<Map<string, number>> {
  const nodes = [databaseUrl];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const [{ citus }] = (
      await client.query("SELECT count(*) > 0 AS citus FROM pg_extension WHERE extname = 'citus'")
    ).rows;
    if (citus) {
      const workers = await client.query("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0");
      for (const w of workers.rows) {
        const u = new URL(databaseUrl);
        u.hostname = w.nodename;
        u.port = String(w.nodeport);
        nodes.push(u.toString());
      }
    }
  } finally {
    await client.end();
  }
  const cpu = new Map<string, number>();
  for (const node of nodes) {
    const c = new pg.Client({ connectionString: node });
    await c.connect();
    try {
      const { rows } = await c.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      for (const { pid } of rows) cpu.set(`${node} ${pid}`, processCpu(pid));
    } finally {
      await c.end();
    }
  }
  return cpu;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};

const db = await openDb({
  databaseUrl: url,
  home: mkdtempSync(join(tmpdir(), "oneplace-bench-everything-")),
});
const { token, personIds: sample } = await largestPracticeReads(
  db,
  "bench:fhir-everything",
  Number(values.reads) + WARM_UP,
);
const [{ people }] = await db.query<{ people: number }>("SELECT count(*)::int AS people FROM person");
await db.close();

const server = await startBenchServer({ DATABASE_URL: url });
try {
  const read = async (personId: string) => {
    const res = await fetch(`${server.base}/fhir/R4/Patient/${personId}/$everything`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/fhir+json" },
    });
    await res.arrayBuffer();
    return res.status;
  };
  for (const personId of sample.slice(0, WARM_UP)) await read(personId);
  const reads = sample.slice(WARM_UP);
  const before = await server.cpu();
  const databaseBefore = await databaseCpu(url);
  const times: number[] = [];
  let refused = 0;
  for (const person_id of reads) {
    const started = performance.now();
    if ((await read(person_id)) !== 200) refused++;
    times.push(performance.now() - started);
  }
  const after = await server.cpu();
  // A backend that ended between the two samples is left out; one that began counts from its start.
  let database = 0;
  for (const [key, seconds] of await databaseCpu(url)) database += seconds - (databaseBefore.get(key) ?? 0);
  const perRead = (seconds: number) => `${((seconds * 1000) / reads.length).toFixed(1)} ms`;
  console.log(`${people.toLocaleString("en-GB")} people, ${reads.length} reads of $everything`);
  console.log(`  p50 / p95: ${percentile(times, 0.5).toFixed(0)} / ${percentile(times, 0.95).toFixed(0)} ms`);
  console.log(
    `  CPU per read: server ${perRead(after.server - before.server)}, database ${perRead(database)}`,
  );
  if (refused > 0) console.log(`  not 200: ${refused}`);
  console.log(
    `  load average: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
} finally {
  await server.stop();
}
