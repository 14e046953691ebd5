// PostgreSQL's CPU for one statement, and for variants of it: each file's text is prepared on one connection and
// run N times a round with the parameters in its JSON file (an array), the files in turn (in reverse order every
// other round, so that neither always runs first), and the backend's CPU (its schedstat, in nanoseconds) charged to
// each. Everything hot, the same statement over and over: a floor for what the statement costs in a server, where
// other work runs between statements. For taking a statement apart (the same text without a subquery, an index
// dropped in a scratch copy) and for old against new text; bench/fhir-read-statements.ts prices the FHIR read's
// families as the server sends them. A statement that writes must not collide with its own earlier runs (fresh
// keys from gen_random_uuid() in the text, say); each run commits on its own.
//
//   DATABASE_URL=postgres://.../<scratch copy> node bench/statement-cpu.ts [--runs N] [--rounds R] a.sql:a.json b.sql:b.json ...
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const { values, positionals } = parseArgs({
  options: { runs: { type: "string" }, rounds: { type: "string" } },
  allowPositionals: true,
});
const RUNS = Number(values.runs ?? 300);
const ROUNDS = Number(values.rounds ?? 6);
const url = process.env.DATABASE_URL?.trim();
if (!url || positionals.length === 0)
  throw new Error("DATABASE_URL and at least one statement.sql:parameters.json are needed");

const statements = positionals.map((spec, i) => {
  const [sqlFile, paramsFile] = spec.split(":");
  return {
    name: `statement_cpu_${i}`,
    label: basename(sqlFile),
    text: readFileSync(sqlFile, "utf8"),
    values: paramsFile ? (JSON.parse(readFileSync(paramsFile, "utf8")) as unknown[]) : [],
    perRun: [] as number[],
  };
});

const client = new pg.Client({ connectionString: url });
await client.connect();
const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
const onCpu = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const run = (s: (typeof statements)[number]) =>
  client.query({ name: s.name, text: s.text, values: s.values });

try {
  console.log(
    `${RUNS} runs a round, ${ROUNDS} rounds; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  for (const s of statements) for (let i = 0; i < 20; i++) await run(s); // parsed, planned, cached
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? statements : [...statements].reverse()) {
      const before = onCpu();
      for (let i = 0; i < RUNS; i++) await run(s);
      s.perRun.push((onCpu() - before) / 1000 / RUNS);
    }
  }
  const plans = await client.query<{ name: string; generic_plans: number; custom_plans: number }>(
    "SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements",
  );
  for (const s of statements) {
    const sorted = [...s.perRun].sort((a, b) => a - b);
    const plan = plans.rows.find((p) => p.name === s.name);
    console.log(
      `${s.label}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} µs of the backend's CPU a run ` +
        `(rounds: ${s.perRun.map((v) => v.toFixed(0)).join(" ")}); ${plan?.generic_plans ?? 0} generic plans, ${plan?.custom_plans ?? 0} custom`,
    );
  }
} finally {
  await client.end();
}
