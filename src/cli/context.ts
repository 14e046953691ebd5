import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import type { Operator } from "../governance/index.ts";
import type { Db } from "../platform/index.ts";
import { invalid } from "./errors.ts";

// Output piped into a reader that stops early (`oneplace rejects list | head`): once the pipe is closed,
// the rest of the output is dropped and the command finishes as usual, without an EPIPE stack trace.
let stdoutClosed = false;
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  stdoutClosed = true;
});

function write(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

export function out(text: string): void {
  write(text.endsWith("\n") ? text : `${text}\n`);
}

export function outJson(value: unknown): void {
  write(`${JSON.stringify(value, null, 2)}\n`);
}

export function engineDescription(db: Db): string {
  return db.engine === "pglite" ? `embedded database in ${db.location}` : `PostgreSQL at ${db.location}`;
}

/** Who is acting at the command line: the operating-system user, recorded in the audit trail. */
export function cliOperator(): Operator {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {}
  return { userId: null, name: `cli:${name}`, channel: "cli" };
}

/** Reads a JSON file the person named; a missing file or bad JSON is theirs to fix. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw invalid(
      "cli.read-file",
      `Cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      {
        cause,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw invalid("cli.json", `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** The usual ending of a command: the value as JSON under --json, else as text; exit 0. */
export function print(asJson: boolean, value: unknown, text: string): number {
  if (asJson) outJson(value);
  else out(text);
  return 0;
}
