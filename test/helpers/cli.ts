import { type ChildProcessByStdio, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

export const ONEPLACE_BIN = fileURLToPath(new URL("../../bin/oneplace.js", import.meta.url));

/**
 * Node's flags for a CLI child: a test's command lives a few seconds, and V8's optimising compiler spent more
 * CPU on PGlite's WebAssembly (tiering up its largest functions, then waiting for that work at exit) than the
 * command itself did; the baseline compiler alone halves a command's CPU time. Behaviour is the same.
 */
export const CLI_NODE_FLAGS: readonly string[] = ["--liftoff-only"];

/**
 * Node's compile cache for CLI children, shared by every test process: the sources are type-stripped and
 * compiled once, not once per command (keyed by content, so an edited file is compiled again).
 */
export const CLI_COMPILE_CACHE = { NODE_COMPILE_CACHE: join(tmpdir(), "oneplace-test-compile-cache") };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child's stdout and stderr as they arrive, and its exit code and whole output once it closes. */
export function collectOutput(child: ChildProcessByStdio<null, Readable, Readable>): {
  output: { stdout: string; stderr: string };
  done: Promise<CliResult>;
} {
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => {
    output.stdout += d;
  });
  child.stderr.on("data", (d) => {
    output.stderr += d;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...output }));
  });
  return { output, done };
}

/** Runs `oneplace args...` in a child process with only the given database environment. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, ONEPLACE_BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...CLI_COMPILE_CACHE, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { output, done } = collectOutput(child);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`oneplace ${args.join(" ")} took over ${timeoutMs} ms\n${output.stderr}`));
    }, timeoutMs);
  });
  return Promise.race([done, timedOut]).finally(() => clearTimeout(timer));
}

/** The port `oneplace mllp --port 0` (a child with piped stdout) says it listens on; rejects if it stops first. */
export function listenerPort(
  listener: ChildProcessByStdio<null, Readable, Readable | null>,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = "";
    listener.stdout.on("data", (d) => {
      out += d;
      const m = /listener on [^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    listener.on("close", () => reject(new Error(`listener stopped: ${out}`)));
  });
}

/**
 * `oneplace argv...` through main() in this process, its stdout kept: the path the binary takes, without a Node
 * start (about 2 s of CPU) per command. For what needs no database and no environment (--help, usage); the
 * binary's own wiring (exit codes, stderr) is tested through runCli. Throws what main throws (a usage error).
 */
export async function cliInProcess(argv: string[]): Promise<CliResult> {
  const { main } = await import("../../src/cli/main.ts");
  let stdout = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stdout, stderr: "" };
  } finally {
    process.stdout.write = write;
  }
}
