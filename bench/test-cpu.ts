// CPU seconds of each test file, one file at a time, as `npm test` runs it (--liftoff-only, the compile cache),
// counting the file's child processes (CLI commands, browsers): the figure to find the files that make CI slow.
// Wall time under a shared machine's load says little; user + sys CPU is comparable from run to run.
//
//   node bench/test-cpu.ts [--out file.tsv] [--nice 10] [test files...]   (default: every test/**/*.test.ts)
//
// Prints (and appends to --out as it goes) one line per file: user, sys, user+sys, wall, exit code, file; then
// the total and the top 15 by CPU, with the load average. DATABASE_URL is passed through, so the same command
// measures PostgreSQL. There the test process's CPU is half the story: --server-cpu adds a column, the CPU the
// server (its postmaster and every process under it, those that ended included) spent while the file ran. That
// counts everyone's work on that server, so it means something only on a server of your own (initdb one on
// another port; the test helper makes its template there the first time).
import { spawnSync } from "node:child_process";
import { appendFileSync, globSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const { values, positionals } = parseArgs({
  options: {
    out: { type: "string" },
    nice: { type: "string", default: "10" },
    "server-cpu": { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const files = positionals.length > 0 ? positionals : globSync("test/**/*.test.ts").sort();
const cache = process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "oneplace-test-compile-cache");
const scratch = mkdtempSync(join(tmpdir(), "oneplace-test-cpu-"));
const timeFile = join(scratch, "time");

interface Row {
  file: string;
  user: number;
  sys: number;
  wall: number;
  code: number | null;
  /** The server's CPU seconds while the file ran (--server-cpu), else NaN. */
  server: number;
}

/** /proc/PID/stat's fields after the command name (the first is the state, the second the parent's id). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone: its CPU is in its parent's count of ended children
  }
}

/** The PostgreSQL server's postmaster: the parent of the backend that answers a connection to DATABASE_URL. */
async function postmasterPid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const parent = Number(statFields(rows[0].pid)?.[1]);
    if (!Number.isInteger(parent)) throw new Error("--server-cpu: the server is not on this machine");
    return parent;
  } finally {
    await client.end();
  }
}

/**
 * CPU seconds of the postmaster and the processes under it, ended ones included (user, sys and the ended
 * children's user and sys: a backend that ends is counted in its parent's), from /proc; clock ticks of 1/100 s.
 */
function serverCpu(postmaster: number): number {
  const pids = [postmaster];
  let ticks = 0;
  for (let i = 0; i < pids.length; i++) {
    const fields = statFields(pids[i]);
    if (!fields) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    try {
      for (const task of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {}
  }
  return ticks / 100;
}

const postmaster =
  values["server-cpu"] && process.env.DATABASE_URL
    ? await postmasterPid(process.env.DATABASE_URL)
    : undefined;
if (values["server-cpu"] && postmaster === undefined) throw new Error("--server-cpu needs DATABASE_URL");
const rows: Row[] = [];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`# load average at start: ${load()}`);
console.log(`user_s\tsys_s\tcpu_s\twall_s\texit\t${postmaster ? "server_s\t" : ""}file`);
for (const file of files) {
  const serverBefore = postmaster ? serverCpu(postmaster) : Number.NaN;
  const run = spawnSync(
    "nice",
    [
      "-n",
      values.nice,
      "/usr/bin/time",
      "-f",
      "%U %S %e",
      "-o",
      timeFile,
      process.execPath,
      "--liftoff-only",
      "--test",
      "--test-reporter=dot",
      file,
    ],
    {
      env: { ...process.env, NODE_COMPILE_CACHE: cache },
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const [user, sys, wall] =
    readFileSync(timeFile, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
  const row = {
    file,
    user: user ?? Number.NaN,
    sys: sys ?? Number.NaN,
    wall: wall ?? Number.NaN,
    code: run.status,
    server: postmaster ? serverCpu(postmaster) - serverBefore : Number.NaN,
  };
  rows.push(row);
  const line = `${row.user.toFixed(1)}\t${row.sys.toFixed(1)}\t${(row.user + row.sys).toFixed(1)}\t${row.wall.toFixed(1)}\t${row.code}\t${postmaster ? `${row.server.toFixed(1)}\t` : ""}${file}`;
  console.log(line);
  if (values.out) appendFileSync(values.out, `${line}\n`);
  // A failing file's failures (the dot reporter lists them at the end), so the figure is not read as a pass.
  if (run.status !== 0) console.log(String(run.stdout).split("\n").slice(-40).join("\n"));
}
rmSync(scratch, { recursive: true, force: true });
// The test process's CPU, and with --server-cpu the server's too.
const cpu = (r: Row) => r.user + r.sys + (postmaster ? r.server : 0);
const total = rows.reduce((s, r) => s + cpu(r), 0);
const server = postmaster
  ? `, ${rows.reduce((s, r) => s + r.server, 0).toFixed(0)} s of it the server's`
  : "";
console.log(
  `# ${rows.length} files, ${total.toFixed(0)} s CPU (user+sys, children included${server}); load average at end: ${load()}`,
);
console.log(`# top 15 by CPU${postmaster ? " (test process and server)" : ""}:`);
for (const r of [...rows].sort((a, b) => cpu(b) - cpu(a)).slice(0, 15))
  console.log(`#   ${cpu(r).toFixed(1)} s  ${r.file}`);
