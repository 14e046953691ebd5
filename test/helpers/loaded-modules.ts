import { registerHooks } from "node:module";
import { parentPort } from "node:worker_threads";

// A worker thread's entry that records every module the thread loads, then runs the entry given as its first
// argument (Worker's argv) as that thread would, and posts { modules } once the entry's evaluation is over: for
// tests that keep a thread's module graph small (test/ingest/csv-parse-thread-imports.test.ts).

const modules: string[] = [];
registerHooks({
  load(url, context, nextLoad) {
    modules.push(url);
    return nextLoad(url, context);
  },
});
await import(process.argv[2]);
parentPort?.postMessage({ modules });
