// The CSV parsing thread (csv/prepare-worker.ts) starts on every large first load, and compiling its modules is
// paid each time: it loads the layouts' declarations, the checks, the reader and the encoder, never the MPI, the
// store's engines and drivers, nor the writers (importing the layouts with their writers cost the thread about
// twice its start). A test, not a lint rule, because it follows the imports that run, dynamic ones included.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { LINKED_DECLARATIONS } from "../../src/ingest/csv/declarations.ts";
import { type LayoutDecl, resolve } from "../../src/ingest/csv/declare.ts";
import { CSV_LAYOUTS, layoutByName } from "../../src/ingest/csv/layouts.ts";
import type { PrepareInput, PrepareMessage } from "../../src/ingest/csv/prepare.ts";
import { CODED_HEADER } from "../helpers/csv-files.ts";

/** Runs the parsing thread over a small file; the modules it loaded, by path. */
async function parsingThreadModules(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "oneplace-parse-imports-"));
  try {
    const path = join(dir, "coded.csv");
    const row =
      "e1,p1,Z90001,2016-05-01,observation,http://snomed.info/sct,27113001,70,kg,2016-06-01T02:00:00Z";
    writeFileSync(path, `${CODED_HEADER}\n${row}\n`);
    const input: PrepareInput = {
      skip: 0,
      path,
      chunkRows: 10,
      layout: "gp-coded-record",
      sourceSystem: "gp",
      orgCode: null,
      origin: "coded.csv",
      sha: "0",
      header: CODED_HEADER.split(","),
      headerLine: CODED_HEADER,
    };
    const entry = new URL("../../src/ingest/csv/prepare-worker.ts", import.meta.url).href;
    const worker = new Worker(new URL("../helpers/loaded-modules.ts", import.meta.url), {
      argv: [entry],
      workerData: input,
    });
    try {
      const chunks: PrepareMessage[] = [];
      const modules = await new Promise<string[]>((resolve, reject) => {
        worker.on("message", (m: PrepareMessage | { modules: string[] }) => {
          if ("modules" in m) resolve(m.modules);
          else chunks.push(m);
        });
        worker.on("error", reject);
        worker.on("exit", (code) => reject(new Error(`the thread stopped (exit code ${code})`)));
      });
      assert.deepEqual(
        chunks.map((c) => (c.kind === "chunk" ? c.count : c.kind)),
        [1, "end"],
        "the thread read the file",
      );
      return modules.map((url) => (url.startsWith("file:") ? new URL(url).pathname : url));
    } finally {
      await worker.terminate();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the CSV parsing thread loads neither the MPI, the store's engines nor the layouts' writers", async () => {
  const modules = await parsingThreadModules();
  assert.ok(
    modules.some((m) => m.endsWith("/src/ingest/csv/prepare.ts")),
    "the hook saw the thread's modules",
  );
  const heavy = modules.filter(
    (m) =>
      m.includes("/node_modules/") ||
      m.includes("/src/mpi/") ||
      /\/src\/store\/(index|open|[a-z-]*engine)\.ts$/.test(m) ||
      /\/src\/ingest\/(canonical|index|csv\/writers|csv\/layouts|csv\/load)\.ts$/.test(m),
  );
  assert.deepEqual(heavy, []);
});

test("every layout a first load may encode on the parsing thread is there by its declaration", () => {
  const encoded = CSV_LAYOUTS.filter((l) => l.encoder).map((l) => l.name);
  assert.ok(encoded.includes("gp-coded-record"));
  assert.deepEqual(encoded, [...LINKED_DECLARATIONS.keys()]);
  for (const name of encoded) {
    const layout = layoutByName(name);
    const decl = LINKED_DECLARATIONS.get(name);
    assert.deepEqual(
      resolve({ ...decl, person: "linked" } as LayoutDecl).columns.map((c) => [c.name, c.storedIn]),
      layout?.columns.map((c) => [c.name, c.storedIn]),
    );
  }
});
