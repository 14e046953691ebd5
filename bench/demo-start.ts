// Benchmark: `oneplace demo` from an empty embedded database to ready (the line saying where it runs), as a user
// starts it. Prints the wall time to ready, the process's CPU time to ready (all its threads, from /proc), its
// resident memory at ready, after a few page requests, and its peak (sampled every 250 ms, with any child process it has then), and the load average.
// The demo is one process (the embedded database runs inside it), so its resident memory is the demo's all told.
//
//   node bench/demo-start.ts [--people N] [--home DIR] [--keep] [--port N] [--threads N]
//
// --home: the ONEPLACE_HOME to use (default a temporary one, removed after unless --keep; it must be empty).

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatBreakdown, residentBreakdown } from "./process-memory.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    home: { type: "string" },
    keep: { type: "boolean", default: false },
    port: { type: "string", default: "38411" },
    threads: { type: "string" },
  },
});

const home = values.home ?? mkdtempSync(join(tmpdir(), "oneplace-demo-bench-"));
const bin = new URL("../bin/oneplace.js", import.meta.url).pathname;
const args = [bin, "demo", "--port", values.port];
if (values.people) args.push("--people", values.people);
if (values.threads) args.push("--threads", values.threads);

const TICKS = 100; // USER_HZ on Linux
// Its own CPU and its children's that it has waited for (a new embedded database is made in a child process).
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
};
const ownRssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
};
/** The process's resident memory and its live children's: the demo's all told. */
const rssMiB = (pid: number): number => {
  let children: number[] = [];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {}
  let total = ownRssMiB(pid);
  for (const c of children) {
    try {
      total += rssMiB(c);
    } catch {}
  }
  return total;
};

const loadAtStart = loadavg();
const started = performance.now();
const child = spawn(process.execPath, args, {
  env: { ...process.env, ONEPLACE_HOME: home, DATABASE_URL: "" },
  stdio: ["ignore", "pipe", "pipe"],
});
const pid = child.pid as number;
let peak = 0;
const sampler = setInterval(() => {
  try {
    peak = Math.max(peak, rssMiB(pid));
  } catch {}
}, 250);
let output = "";
let atReady = "";
child.stderr.on("data", () => {});
const ready = await new Promise<{ wall: number; cpu: number; rss: number }>((resolve, reject) => {
  child.stdout.on("data", (data: Buffer) => {
    output += data.toString();
    if (/OnePlace is running at/.test(output)) {
      const rss = rssMiB(pid);
      atReady = formatBreakdown(residentBreakdown(pid));
      resolve({ wall: (performance.now() - started) / 1000, cpu: cpuSeconds(pid), rss });
    }
  });
  child.on("exit", (code) => reject(new Error(`oneplace demo exited (${code}) before ready:\n${output}`)));
});
peak = Math.max(peak, ready.rss);
for (const path of ["/health", "/status", "/", "/status", "/health"]) {
  await fetch(`http://127.0.0.1:${values.port}${path}`).then((r) => r.arrayBuffer());
}
const afterPages = rssMiB(pid);
const afterPagesBreakdown = formatBreakdown(residentBreakdown(pid));
peak = Math.max(peak, afterPages);
clearInterval(sampler);
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
const people = /\n([\d,]+) people, \d+ practices/.exec(output)?.[1] ?? "?";
console.log(`oneplace demo, ${people} people, embedded database in ${home}`);
console.log(`ready after     ${ready.wall.toFixed(1)} s wall, ${ready.cpu.toFixed(1)} s CPU (all threads)`);
console.log(
  `resident        ${ready.rss.toFixed(0)} MiB at ready, ${afterPages.toFixed(0)} MiB after 5 pages, peak ${peak.toFixed(0)} MiB`,
);
console.log(`  at ready      ${atReady}`);
console.log(`  after pages   ${afterPagesBreakdown}`);
console.log(
  `load average    ${loadAtStart.map((l) => l.toFixed(1)).join(" ")} at start, ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} at the end`,
);
if (!values.keep && !values.home) rmSync(home, { recursive: true, force: true });
