// Scale, side by side in one run: one PostgreSQL server and a Citus cluster, the same synthetic place (or region)
// on each, through the command line as an operator would run it, then the reads that must stay fast at scale.
// For each engine: the load (`oneplace synth`), `model train`, a full `stratify`, `metrics compute` for a year
// (the place, each locality, each practice), `bcf import` of Thurrock's plan and `report board` (HTML and PDF),
// then cohort counts (p50/p95) and one person's whole record over the FHIR API (`Patient/$everything`, a GP of the
// largest practice with a bearer token, p50/p95), and the database's size on disk (on Citus, every node's).
// Prints figures; not a timed test.
//
//   node bench/scale.ts [--people N] [--places N] [--pg URL] [--citus URL] [--only pg|citus]
//                       [--cohort-runs N] [--reads N] [--keep]
//
// --pg is a PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test: a scratch database is made on it
// from the test helper's migrated template and dropped after); --citus a Citus coordinator with its workers added
// (default postgres://postgres@127.0.0.1:5440/oneplace, as ../shared/tools/citus/cluster.sh starts it: a scratch
// cluster database is made on every node, distributed with 4 shards a table, and dropped after). An engine that
// does not answer is skipped with the reason. Each engine runs in a child process of its own, one after the other.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { countCohort } from "../src/risk/index.ts";
import { openDb } from "../src/store/index.ts";
import { runCli } from "../test/helpers/cli.ts";
import { createTestDatabase } from "../test/helpers/test-db.ts";
import { BENCH_COHORTS } from "./cohort-criteria.ts";
import { largestPracticeReads, startBenchServer } from "./fhir-setup.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "20000" },
    places: { type: "string", default: "1" },
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    citus: { type: "string", default: "postgres://postgres@127.0.0.1:5440/oneplace" },
    only: { type: "string" },
    "cohort-runs": { type: "string", default: "10" },
    reads: { type: "string", default: "100" },
    keep: { type: "boolean", default: false },
    child: { type: "string" },
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const HOURS = 3_600_000;

type Figures = Record<string, string>;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

if (values.child) await runEngine(values.child);
else await runAll();

async function answers(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    if (url === values.citus) {
      const rows = await client.query("SELECT count(*)::int AS n FROM pg_dist_node WHERE groupid <> 0");
      if (rows.rows[0].n === 0) return "no Citus workers are registered there";
    }
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

async function runAll(): Promise<void> {
  const engines = [
    { key: "pg", label: "PostgreSQL", url: values.pg as string, env: {} },
    {
      key: "citus",
      label: "Citus (3 nodes)",
      url: values.citus as string,
      env: { ONEPLACE_TEST_CITUS: "1" },
    },
  ].filter((e) => !values.only || values.only === e.key);
  const results: { label: string; figures: Figures }[] = [];
  const load = () =>
    spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.split(" ").slice(0, 3).join(" ");
  log(
    `${values.people} people${Number(values.places) > 1 ? ` in each of ${values.places} places` : ""}; load ${load()}`,
  );
  for (const e of engines) {
    const missing = await answers(e.url);
    if (missing) {
      log(`${e.label}: skipped (${missing})`);
      continue;
    }
    log(`--- ${e.label}`);
    const child = spawnSync(process.execPath, [process.argv[1], ...process.argv.slice(2), "--child", e.key], {
      env: { ...process.env, ...e.env, DATABASE_URL: e.url },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) {
      log(`${e.label}: failed (exit ${child.status})`);
      continue;
    }
    results.push({ label: e.label, figures: JSON.parse(child.stdout.trim().split("\n").pop() as string) });
  }
  const rows = [...new Set(results.flatMap((r) => Object.keys(r.figures)))];
  const width = Math.max(...rows.map((r) => r.length));
  console.log(`\n${"".padEnd(width)}  ${results.map((r) => r.label.padStart(18)).join("  ")}`);
  for (const row of rows)
    console.log(
      `${row.padEnd(width)}  ${results.map((r) => (r.figures[row] ?? "-").padStart(18)).join("  ")}`,
    );
  console.log(`load average at the end: ${load()}`);
}

async function runEngine(engine: string): Promise<void> {
  const figures: Figures = {};
  const scratch = await createTestDatabase({
    prefix: `oneplace-scale-${engine}`,
    migrated: true,
    durableCommits: true,
  });
  const reports = mkdtempSync(join(tmpdir(), "oneplace-scale-reports-"));
  try {
    const step = async (label: string, args: string[]) => {
      const started = performance.now();
      const debug: Record<string, string> = process.env.ONEPLACE_DEBUG
        ? { ONEPLACE_DEBUG: process.env.ONEPLACE_DEBUG }
        : {};
      const result = await runCli(args, { ...scratch.env, ...debug }, 6 * HOURS);
      if (result.code !== 0) throw new Error(`${label} failed (exit ${result.code}):\n${result.stderr}`);
      figures[label] = seconds(performance.now() - started);
      log(`${label}: ${figures[label]}`);
    };
    await step("load (synth)", [
      "synth",
      "--people",
      values.people as string,
      "--places",
      values.places as string,
      "--quiet",
    ]);
    await step("model train", ["model", "train", "--quiet"]);
    await step("stratify (full run)", ["stratify", "--quiet"]);
    await step("metrics, a year (place, localities, practices)", [
      "metrics",
      "compute",
      "--period",
      "2015/16",
      "--quiet",
    ]);
    const plan = new URL("../data/bcf/thurrock-2014-v0.6", import.meta.url).pathname;
    await step("bcf import", ["bcf", "import", plan]);
    await step("board report (HTML and PDF)", ["report", "board", "--quarter", "2015-Q3", "--out", reports]);

    const db = await openDb({ databaseUrl: scratch.databaseUrl, home: scratch.home });
    try {
      const [{ people }] = await db.query<{ people: number }>("SELECT count(*)::int AS people FROM person");
      figures.people = people.toLocaleString("en-GB");
      const cohortTimes: number[] = [];
      for (let i = 0; i < Number(values["cohort-runs"]); i++) {
        for (const c of BENCH_COHORTS) {
          const t = performance.now();
          await countCohort(db, c as never);
          cohortTimes.push(performance.now() - t);
        }
      }
      figures["cohort count p50 / p95"] =
        `${percentile(cohortTimes, 0.5).toFixed(0)} / ${percentile(cohortTimes, 0.95).toFixed(0)} ms`;

      // A GP of the largest practice reads the whole record of people registered there.
      const { token, personIds: sample } = await largestPracticeReads(
        db,
        "bench:scale",
        Number(values.reads),
      );
      await db.close();
      const server = await startBenchServer(scratch.env);
      try {
        const readTimes: number[] = [];
        let refused = 0;
        for (const person_id of sample) {
          const t = performance.now();
          const res = await fetch(`${server.base}/fhir/R4/Patient/${person_id}/$everything`, {
            headers: { authorization: `Bearer ${token}`, accept: "application/fhir+json" },
          });
          await res.arrayBuffer();
          readTimes.push(performance.now() - t);
          if (!res.ok) refused++;
        }
        figures["Patient/$everything p50 / p95"] =
          `${percentile(readTimes, 0.5).toFixed(0)} / ${percentile(readTimes, 0.95).toFixed(0)} ms`;
        if (refused > 0) figures["Patient/$everything not 200"] = String(refused);
      } finally {
        await server.stop();
      }
    } finally {
      await db.close().catch(() => {});
    }
    figures["size on disk"] = await sizeOnDisk(scratch.databaseUrl as string, engine === "citus");
  } finally {
    rmSync(reports, { recursive: true, force: true });
    if (values.keep) log(`kept: ${scratch.databaseUrl}`);
    else await scratch.drop();
  }
  console.log(JSON.stringify(figures));
}

async function sizeOnDisk(url: string, citus: boolean): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const own = Number((await client.query("SELECT pg_database_size(current_database()) AS b")).rows[0].b);
    let workers = 0;
    if (citus) {
      const rows = await client.query(
        "SELECT result FROM run_command_on_workers('SELECT pg_database_size(current_database())')",
      );
      workers = rows.rows.reduce((s, r) => s + Number(r.result), 0);
    }
    return `${((own + workers) / 2 ** 30).toFixed(2)} GiB`;
  } finally {
    await client.end();
  }
}
