// Where `oneplace demo`'s start-up goes: the demo's steps run in this process on a new embedded database
// (migrate, generate and load, care relationships, care history, the summary, the demo users and citizens, the
// web server's start), as the demo does (the demo users' passwords hashed from when the rows are made), each with
// its wall time, the main thread's CPU (where PGlite runs) and the process's
// (the generating threads too), and the resident memory after it by kind (bench/process-memory.ts: the
// WebAssembly memory is PGlite's heap, which never shrinks). Then the statements that took the most of the main
// thread's CPU, by the first words of their text, and with --serve a few pages.
//
// To time the steps after the load again and again: --keep DIR --until load keeps a loaded place, and
// --from DIR runs the steps after the load on a copy of it (--until "care history" stops after that step).
//
//   node bench/demo-phases.ts [--people N] [--threads N] [--top N] [--keep DIR] [--until PHASE] [--from DIR]
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Db, Queryable } from "../src/store/index.ts";
import { isPlaceEmpty, migrate, openDb, placeSummary } from "../src/store/index.ts";
import {
  DEFAULT_SYNTH_CONFIG,
  demoCitizens,
  loadCareHistory,
  loadCareRelationships,
  loadSyntheticPlace,
  prepareDemoPasswords,
  seedDemoIdentities,
} from "../src/synth/index.ts";
import { formatBreakdown, residentBreakdown } from "./process-memory.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    threads: { type: "string" },
    top: { type: "string", default: "25" },
    keep: { type: "string" },
    until: { type: "string" },
    from: { type: "string" },
  },
});

const home = values.keep ?? mkdtempSync(join(tmpdir(), "oneplace-demo-phases-"));
if (values.from) cpSync(values.from, home, { recursive: true });
const people = values.people ? Number(values.people) : DEFAULT_SYNTH_CONFIG.people;
const threadCpu = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
};
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Main-thread CPU seconds and calls, by statement. */
const statements = new Map<string, { cpu: number; calls: number }>();
/** A statement's first words and a hash of its whole text: statements that begin alike are told apart. */
function label(sql: string): string {
  const text = sql.replace(/\s+/g, " ").trim();
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return `${text.slice(0, 90)} #${(h >>> 0).toString(36)}`;
}
async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  const before = threadCpu();
  try {
    return await run();
  } finally {
    const s = statements.get(name) ?? { cpu: 0, calls: 0 };
    s.cpu += threadCpu() - before;
    s.calls++;
    statements.set(name, s);
  }
}
function traced(q: Queryable): Queryable {
  return {
    citus: q.citus,
    query: (sql, params) =>
      timed(label(typeof sql === "string" ? sql : sql.text), () => q.query(sql, params)),
    exec: (sql) => timed(label(sql), () => q.exec(sql)),
    copyFrom: (table, columns, chunks, options) =>
      timed(`COPY ${table}`, () => q.copyFrom(table, columns, chunks, options)),
  };
}
function tracedDb(db: Db): Db {
  return {
    ...traced(db),
    engine: db.engine,
    location: db.location,
    transaction: (fn) => db.transaction((tx) => fn(traced(tx))),
    close: () => db.close(),
  };
}

const load = loadavg();
console.log(
  `demo phases: ${people.toLocaleString("en-GB")} people registered, home ${home}; load average ${load.map((l) => l.toFixed(1)).join(" ")}`,
);
const rows: string[] = [];
async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const wall = performance.now();
  const main = threadCpu();
  const all = processCpu();
  // The most anonymous memory (other than the engine's) seen during the phase: the generating threads' heaps.
  let anonymousPeak = 0;
  const sampler = setInterval(() => {
    anonymousPeak = Math.max(anonymousPeak, residentBreakdown().anonymous);
  }, 1000);
  let result: T;
  try {
    result = await run();
  } finally {
    clearInterval(sampler);
  }
  const after = residentBreakdown();
  const line = `${name.padEnd(20)} ${((performance.now() - wall) / 1000).toFixed(1).padStart(7)} s wall ${(threadCpu() - main).toFixed(1).padStart(7)} s main ${(processCpu() - all).toFixed(1).padStart(7)} s all   ${formatBreakdown(after)}; other anonymous peak ${Math.max(anonymousPeak, after.anonymous).toFixed(0)}`;
  console.log(line);
  rows.push(line);
  return result;
}

const started = { wall: performance.now(), cpu: processCpu(), main: threadCpu() };
const config = { ...DEFAULT_SYNTH_CONFIG, people };
const workers = values.threads ? Number(values.threads) : undefined;
let passwords: ReturnType<typeof prepareDemoPasswords> | undefined;
const raw = await phase("open", () => openDb({ home }));
const db = tracedDb(raw);
try {
  if (values.from) passwords = prepareDemoPasswords();
  else {
    await phase("migrate", () => migrate(raw));
    if (!(await isPlaceEmpty(db))) throw new Error(`${home} already holds a place`);
    await phase("generate and load", () =>
      loadSyntheticPlace(
        db,
        config,
        (p) => {
          if (p.peopleDone === p.peopleTotal) passwords ??= prepareDemoPasswords();
        },
        workers ? { workers } : {},
      ),
    );
  }
  const after: [string, () => Promise<unknown>][] = [
    ["care relationships", () => loadCareRelationships(db)],
    ["care history", () => loadCareHistory(db)],
    ["place summary", () => placeSummary(db)],
    ["demo users", () => seedDemoIdentities(db, { newPasswords: false, passwords })],
    ["demo citizens", () => demoCitizens(db)],
  ];
  for (const [name, run] of values.until === "load" ? [] : after) {
    await phase(name, run);
    if (name === values.until) break;
  }
  console.log(
    `total                    ${((performance.now() - started.wall) / 1000).toFixed(1).padStart(7)} s wall ${(threadCpu() - started.main).toFixed(1).padStart(7)} s main ${(processCpu() - started.cpu).toFixed(1).padStart(7)} s all; load average now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const top = [...statements].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, Number(values.top));
  console.log("\nmain-thread CPU by statement (s, calls):");
  for (const [name, s] of top)
    console.log(`${s.cpu.toFixed(2).padStart(8)} ${String(s.calls).padStart(6)}  ${name}`);
} finally {
  await raw.close();
  if (!values.keep) rmSync(home, { recursive: true, force: true });
}
