// A serving command's new embedded database is made (initdb and the migrations) in a short-lived child process
// that runs PGlite's WebAssembly as first compiled (--liftoff-only), then opened here. Serving commands let V8's
// optimising compiler recompile the engine's hot code (a load and the server's reads take about 40% less of the
// main thread), and its largest hot function takes about 600 MB of the compiler's memory for a moment. Opening a
// made database is enough to make V8 recompile it, while the process is about 300 MiB; initdb would do the same
// while holding about 600 MiB of its own, which took the demo above 1 GB at its peak. In a child, initdb's memory
// goes when it exits. docs/scale.md, "The optimising compiler for serving commands, and a new database made apart".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseError, pgliteDataDir, type StoreConfig } from "../platform/index.ts";

/** Whether V8 runs WebAssembly only as first compiled here (--liftoff-only, as the tests run CLI children). */
export function optimisingCompilerOff(): boolean {
  return process.execArgv.includes("--liftoff-only");
}

const CHILD = fileURLToPath(new URL("./embedded-apart-child.ts", import.meta.url));

/** A data directory PostgreSQL has made (initdb writes PG_VERSION). */
function isMade(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

/**
 * On the embedded engine, when there is no database yet, makes and migrates one in a child process and moves it
 * into place whole (a directory of its own, renamed), so a child that fails or is killed leaves nothing half
 * made. Returns whether it made one. A server's database (DATABASE_URL), a database already made, or a data
 * directory holding something else (left for the engine to judge as it opens it) are left alone.
 */
export function makeEmbeddedDatabaseApart(store: StoreConfig): boolean {
  if (store.databaseUrl) return false;
  const dataDir = pgliteDataDir(store.home);
  if (isMade(dataDir) || (existsSync(dataDir) && readdirSync(dataDir).length > 0)) return false;
  mkdirSync(store.home, { recursive: true });
  const scratchHome = join(store.home, `.new-database-${process.pid}`);
  rmSync(scratchHome, { recursive: true, force: true });
  try {
    const child = spawnSync(process.execPath, ["--liftoff-only", CHILD, scratchHome], {
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
    const made = pgliteDataDir(scratchHome);
    if (child.status !== 0 || !isMade(made)) {
      const why = child.error?.message ?? (child.stderr.trim() || `exit ${child.status ?? child.signal}`);
      throw new DatabaseError(
        `Cannot make the embedded database in ${dataDir}: ${why}`,
        "Make sure ONEPLACE_HOME is a writable directory with free space, then run the command again.",
        { code: "store.embedded-make" },
      );
    }
    // Into place unless another process has begun one meanwhile (then its lock decides who opens it).
    try {
      rmdirSync(dataDir); // an empty directory, if any
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return false;
    }
    try {
      renameSync(made, dataDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") return false;
      throw error;
    }
    return true;
  } finally {
    rmSync(scratchHome, { recursive: true, force: true });
  }
}
