// The CLI session that runs a test file's commands in one child: each command must answer exactly as the binary
// does (exit code, stdout, stderr), see only its own environment, and fail where the binary would not exit.
// Every command here needs no database (none is given: one would be opened in the working directory).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli, startCliSession } from "./cli.ts";
import { leftOpenSince, resourceCounts } from "./open-resources.ts";

const THURROCK = fileURLToPath(new URL("../../data/bcf/thurrock-2014-v0.6", import.meta.url));
const session = startCliSession({});
after(() => session.close());

test("a session's commands answer as the binary does: success, failure and usage error", async () => {
  for (const args of [
    ["bcf", "validate", THURROCK, "--no-values"],
    ["bcf", "validate", THURROCK, "--no-values", "--strict"],
    ["model"],
    ["bcf", "validate", "/nonexistent/plan.xlsx", "--no-values"],
  ]) {
    const [inSession, binary] = [await session.run(args), await runCli(args, {})];
    assert.deepEqual(inSession, binary, args.join(" "));
  }
});

test("each command sees its own environment, not the one before it", async () => {
  const args = ["model"]; // a usage error: no database, and a stack under ONEPLACE_DEBUG
  const debug = await session.run(args, { ONEPLACE_DEBUG: "1" });
  assert.match(debug.stderr, /\n\s+at /, "ONEPLACE_DEBUG prints the stack");
  const plain = await session.run(args);
  assert.equal(plain.code, debug.code);
  assert.doesNotMatch(plain.stderr, /\n\s+at /);
});

test("a command that leaves a handle open is caught (the binary would not exit); one that closes it is not", async () => {
  const before = resourceCounts();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  assert.deepEqual(await leftOpenSince(before), ["TCPServerWrap"]);
  await new Promise((resolve) => server.close(resolve));
  assert.deepEqual(await leftOpenSince(before), []);
});

test("the processes under test themselves (serve, demo, mllp) are refused", async () => {
  await assert.rejects(session.run(["serve"]), /use runCli/);
});
