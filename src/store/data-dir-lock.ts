// One process per embedded database. PGlite is PostgreSQL compiled into this process, not a server: two
// processes opening one data directory each believe they own it, and one's writes are lost or the
// directory corrupted. So opening takes an exclusive lock file in the data directory (created with O_EXCL),
// holding who has it: pid, host, command, start time and the directory itself. A lock left by a process
// that has died on this host is taken over; one copied with its directory (the recorded directory is not
// this one) is stale too; any other is a refusal naming the holder. close() and the process's exit remove it.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { DatabaseError } from "./db.ts";

export const LOCK_FILE = "oneplace.lock";

/** What the lock file records of the process holding the database. */
export interface LockHolder {
  pid: number;
  host: string;
  /** e.g. "oneplace serve" */
  command: string;
  /** When it opened the database (ISO 8601). */
  since: string;
  /** The data directory it opened (its real path), for people reading the lock. */
  dataDir: string;
  /** The directory's device and inode: the same through any path or mount, another for a copy. */
  dirId?: string;
  /** The holder's start time as the kernel counts it (Linux), so a reused pid is not mistaken for it. */
  processStart: string | null;
  /** Ours alone: release removes the file only while it still holds this token. */
  token: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
}

const held = new Map<string, DataDirLock>();
let exitHookInstalled = false;

/** The command this process was started as, without options (which can carry secrets): "oneplace serve". */
export function processCommand(argv: readonly string[] = process.argv): string {
  const program = basename(argv[1] ?? "node").replace(/\.[cm]?[jt]s$/, "");
  const words: string[] = [];
  for (const word of argv.slice(2)) {
    if (word.startsWith("-") || words.length === 2) break;
    words.push(word);
  }
  return [program, ...words].join(" ");
}

/** The kernel's start time of a process (Linux /proc), or null where there is none to read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces; the start time is field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return null;
    return {
      pid: parsed.pid,
      host: parsed.host,
      command: String(parsed.command ?? "unknown"),
      since: String(parsed.since ?? "unknown"),
      dataDir: String(parsed.dataDir ?? ""),
      ...(typeof parsed.dirId === "string" ? { dirId: parsed.dirId } : {}),
      processStart: typeof parsed.processStart === "string" ? parsed.processStart : null,
      token: String(parsed.token ?? ""),
    };
  } catch {
    return null;
  }
}

/** The identity of a directory whatever path reaches it (a bind mount, a container volume): device and inode. */
function directoryId(dataDir: string): string {
  const st = statSync(dataDir);
  return `${st.dev}:${st.ino}`;
}

/**
 * Why a lock file found in dataDir no longer holds it, or null while its holder may be alive. A lock from
 * another host is never taken over; a directory is "copied" only when its device and inode differ from the
 * holder's (a lock written before they were recorded is compared by path).
 */
export function staleReason(holder: LockHolder, dataDir: string): string | null {
  if (holder.host !== hostname()) return null;
  const copied = holder.dirId ? holder.dirId !== directoryId(dataDir) : holder.dataDir !== dataDir;
  if (copied) return `it was copied from ${holder.dataDir || "another directory"}`;
  if (holder.pid === process.pid) {
    // Ours (in this thread, or another thread of this process), unless an earlier process had our number.
    const ours = processStartTime(process.pid);
    if (!held.has(dataDir) && holder.processStart && ours && holder.processStart !== ours)
      return `an earlier process ${holder.pid} has ended`;
    return null;
  }
  if (!pidAlive(holder.pid)) return `process ${holder.pid} has ended`;
  const start = processStartTime(holder.pid);
  if (holder.processStart && start && start !== holder.processStart)
    return `process ${holder.pid} has ended (its number is now another process's)`;
  return null;
}

function refusal(dataDir: string, holder: LockHolder, path: string): DatabaseError {
  const where =
    holder.pid === process.pid && holder.host === hostname()
      ? "already open in this process"
      : `open in process ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`} (${holder.command}, since ${holder.since})`;
  const hint =
    holder.host === hostname()
      ? "Stop it (Ctrl-C where it runs) and run this command again, or do this through the running server. " +
        "Only one process may open the embedded database; to share the data between processes use a PostgreSQL server (DATABASE_URL)."
      : `Stop it on ${holder.host}; if that process is certainly gone, delete ${path}.`;
  return new DatabaseError(`The database at ${dataDir} is ${where}`, hint, { code: "store.embedded-in-use" });
}

function writeExclusive(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** How long a lock file may stay unreadable (being written) before it counts as a crashed writer's. */
const HALF_WRITTEN_MS = 5_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Takes the lock on dataDir (which must exist) for this process, or throws a DatabaseError naming the
 * process that holds it. A stale lock (its process ended, or copied with the directory) is taken over: the
 * stale file is first renamed to a name of our own, so of two processes taking it over at once only one
 * can succeed, and the loser then meets the winner's lock.
 */
export function lockDataDir(dir: string, command = processCommand()): DataDirLock {
  const dataDir = realpathSync(dir);
  const path = join(dataDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    dataDir,
    dirId: directoryId(dataDir),
    processStart: processStartTime(process.pid),
    token: randomBytes(16).toString("hex"),
  };
  const deadline = Date.now() + 2_000;
  for (;;) {
    if (writeExclusive(path, holder)) break;
    const found = readHolder(path);
    if (!found) {
      // Being written this moment, or left half-written by a crash: wait for the one, take over the other.
      if (ageMs(path) < HALF_WRITTEN_MS && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
    } else if (staleReason(found, dataDir) === null) {
      throw refusal(dataDir, found, path);
    }
    const aside = `${path}.stale-${process.pid}-${holder.token.slice(0, 8)}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    // What we moved aside must be what we judged stale; if another process took over in between, its
    // fresh lock is what we moved: put it back (unless a third appeared) and meet it as a refusal.
    const moved = readHolder(aside);
    if (moved && moved.token !== found?.token && staleReason(moved, dataDir) === null) {
      try {
        linkSync(aside, path);
      } catch {}
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
  }
  let released = false;
  const lock: DataDirLock = {
    path,
    holder,
    release() {
      if (released) return;
      released = true;
      held.delete(dataDir);
      if (readHolder(path)?.token === holder.token) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
  held.set(dataDir, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that ends without closing (an uncaught error, process.exit) leaves no lock behind. A signal
    // that kills it leaves one, which the next process finds stale (its pid is gone) and takes over.
    process.on("exit", () => {
      for (const l of [...held.values()]) l.release();
    });
  }
  return lock;
}

/** Who holds the embedded database in dataDir, if anyone does (for status and diagnostics). */
export function dataDirHolder(dir: string): LockHolder | null {
  try {
    return readHolder(join(realpathSync(dir), LOCK_FILE));
  } catch {
    return null;
  }
}
