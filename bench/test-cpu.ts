// CPU seconds of each test file, one file at a time, as `npm test` runs it (--liftoff-only, the compile cache),
// counting the file's child processes (CLI commands, browsers): the figure to find the files that make CI slow.
// Wall time under a shared machine's load says little; user + sys CPU is comparable from run to run.
//
//   node bench/test-cpu.ts [--out file.tsv] [--nice 10] [test files...]   (default: every test/**/*.test.ts)
//
// Prints (and appends to --out as it goes) one line per file: user, sys, user+sys, wall, exit code, file; then
// the total and the top 15 by CPU, with the load average. DATABASE_URL is passed through, so the same command
// measures PostgreSQL.
import { spawnSync } from "node:child_process";
import { appendFileSync, globSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { out: { type: "string" }, nice: { type: "string", default: "10" } },
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
}
const rows: Row[] = [];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`# load average at start: ${load()}`);
console.log("user_s\tsys_s\tcpu_s\twall_s\texit\tfile");
for (const file of files) {
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
  };
  rows.push(row);
  const line = `${row.user.toFixed(1)}\t${row.sys.toFixed(1)}\t${(row.user + row.sys).toFixed(1)}\t${row.wall.toFixed(1)}\t${row.code}\t${file}`;
  console.log(line);
  if (values.out) appendFileSync(values.out, `${line}\n`);
  // A failing file's failures (the dot reporter lists them at the end), so the figure is not read as a pass.
  if (run.status !== 0) console.log(String(run.stdout).split("\n").slice(-40).join("\n"));
}
rmSync(scratch, { recursive: true, force: true });
const cpu = (r: Row) => r.user + r.sys;
const total = rows.reduce((s, r) => s + cpu(r), 0);
console.log(
  `# ${rows.length} files, ${total.toFixed(0)} s CPU (user+sys, children included); load average at end: ${load()}`,
);
console.log("# top 15 by CPU:");
for (const r of [...rows].sort((a, b) => cpu(b) - cpu(a)).slice(0, 15))
  console.log(`#   ${cpu(r).toFixed(1)} s  ${r.file}`);
