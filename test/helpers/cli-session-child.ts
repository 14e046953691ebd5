// The child of a CLI session (cli-session.ts): one Node process that runs `oneplace` commands one after another,
// each through runCli, the function bin/oneplace.js calls with its argv. Per command: the environment is exactly
// the one the parent sends (as runCli's child gets it), process.exitCode starts unset, and what the command writes
// to process.stdout and process.stderr is kept and sent back with the exit code the binary would end with.
//
// A real command's process ends only once nothing holds its event loop open; one that leaves a socket, a timer or
// a file handle behind would hang the binary. So after each command, the resources keeping the loop alive are
// compared with those before it: any left over is reported to the parent as a failure of that command.
import type { SessionReply } from "./cli.ts";
import { leftOpenSince, resourceCounts } from "./open-resources.ts";

interface Request {
  argv: string[];
  env: Record<string, string>;
}

// Node makes process.stdout and process.stderr (a pipe each) when first read: made now, they are not counted as a
// command's leftovers.
void [process.stdout, process.stderr];

const send = (reply: SessionReply) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(reply, undefined, undefined, (e) => (e ? reject(e) : resolve())),
  );

function setEnvironment(env: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
}

/** Runs fn with process.stdout's and process.stderr's writes kept instead of written. */
async function capturing(fn: () => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  const kept = { stdout: "", stderr: "" };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ["stdout", "stderr"] as const)
    process[name].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      kept[name] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const done = rest.find((r) => typeof r === "function") as ((e?: Error) => void) | undefined;
      if (done) queueMicrotask(() => done());
      return true;
    }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
  return kept;
}

// The module bin/oneplace.js loads, loaded as it loads it (the handler below is in place before it has loaded).
const cli = import("../../src/cli/main.ts");

process.on("message", async ({ argv, env }: Request) => {
  const { runCli } = await cli;
  setEnvironment(env);
  process.exitCode = undefined;
  const before = resourceCounts();
  const output = await capturing(() => runCli(argv));
  const leftOpen = await leftOpenSince(before);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  await send({ code, ...output, ...(leftOpen.length > 0 ? { leftOpen } : {}) });
});
