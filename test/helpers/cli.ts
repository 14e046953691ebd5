import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

export const ONEPLACE_BIN = fileURLToPath(new URL("../../bin/oneplace.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `oneplace args...` in a child process with only the given database environment. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ONEPLACE_BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`oneplace ${args.join(" ")} took over ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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
