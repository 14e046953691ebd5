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

/** What the session's child sends back for one command. */
export interface SessionReply extends CliResult {
  code: number;
  /** Resources the command left keeping the event loop alive (the binary would not have exited), if any. */
  leftOpen?: string[];
}

export interface CliSession {
  /** `oneplace args...` with the session's environment (and `env` over it); resolves as runCli does. */
  run(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<CliResult>;
  /** Ends the child. */
  close(): Promise<void>;
}

/**
 * One CLI child for a test file's run of commands (cli-session-child.ts): each command goes through runCli, as
 * bin/oneplace.js sends its argv, with the environment a runCli child gets, and answers with its exit code,
 * stdout and stderr, but the child's Node start and the engine's first compile (together most of a short
 * command's CPU) are paid once, not once per command. A command that leaves the event loop held open (the binary
 * would not exit) fails as runCli's timeout would. Commands run one at a time, in the order asked. For commands
 * whose process itself is under test (serve, demo, mllp: signals, long-lived output, the start-up re-exec) and
 * commands that log through pino (written to the descriptor, past the capture), use runCli.
 */
export function startCliSession(sessionEnv: Record<string, string>): CliSession {
  const script = fileURLToPath(new URL("./cli-session-child.ts", import.meta.url));
  let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  let strayOutput = "";
  let queue: Promise<unknown> = Promise.resolve();

  const started = () => {
    if (child && child.exitCode === null && child.signalCode === null) return child;
    strayOutput = "";
    child = spawn(process.execPath, [...CLI_NODE_FLAGS, script], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...CLI_COMPILE_CACHE },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    }) as unknown as ChildProcessByStdio<null, Readable, Readable>;
    const keep = (d: Buffer) => {
      strayOutput += d;
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    return child;
  };

  const runOne = (args: string[], env: Record<string, string>, timeoutMs: number) =>
    new Promise<CliResult>((resolve, reject) => {
      if (["serve", "demo", "mllp"].includes(args[0]))
        throw new Error(`oneplace ${args[0]} is run as its own process: use runCli`);
      const proc = started();
      const fail = (error: Error) => {
        cleanUp();
        proc.kill("SIGKILL");
        reject(error);
      };
      const onMessage = (reply: SessionReply) => {
        cleanUp();
        if (reply.leftOpen)
          fail(
            new Error(
              `oneplace ${args.join(" ")} left ${reply.leftOpen.join(", ")} holding the process open (the binary would not exit)\n${reply.stderr}`,
            ),
          );
        else resolve({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
      };
      const onExit = (code: number | null, signal: string | null) =>
        fail(
          new Error(
            `the CLI session's child ended (${signal ?? code}) during oneplace ${args.join(" ")}\n${strayOutput}`,
          ),
        );
      const timer = setTimeout(
        () => fail(new Error(`oneplace ${args.join(" ")} took over ${timeoutMs} ms\n${strayOutput}`)),
        timeoutMs,
      );
      const cleanUp = () => {
        clearTimeout(timer);
        proc.off("message", onMessage);
        proc.off("exit", onExit);
      };
      proc.on("message", onMessage);
      proc.on("exit", onExit);
      proc.send({
        argv: args,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...sessionEnv, ...env },
      });
    });

  return {
    run(args, env = {}, timeoutMs = 120_000) {
      const result = queue.then(() => runOne(args, env, timeoutMs));
      queue = result.catch(() => {});
      return result;
    },
    async close() {
      await queue;
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.disconnect();
      await exited;
    },
  };
}
