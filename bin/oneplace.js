#!/usr/bin/env node
// The oneplace command. Node 24 runs the TypeScript sources directly (type stripping), so there is no build.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  process.stderr.write(
    `oneplace: Node.js 24 or later is needed; this is ${process.version}.\n` +
      "Install Node 24, or run 'npm install --no-save node@24' and use 'npx oneplace'.\n",
  );
  process.exit(1);
}
// A server's young generation: V8 sizes it for a heap of gigabytes (two semi-spaces of up to 64 MiB in this
// 64-bit build), while a serving process's live heap is about 45 MiB; under load the young generation alone held
// 100 MiB or more of the resident memory. `serve` and `demo` (which serves too) run with 16 MiB semi-spaces
// instead (resident 291 -> 196 MiB serving FHIR reads, CPU per request no higher: docs/fhir-api.md). The flag
// only takes effect at start-up, so the command replaces itself (same process id, nothing left behind) unless
// the caller chose a size.
//
// The embedded engine's WebAssembly is recompiled by V8's optimising compiler as it gets hot (a load and a
// server's reads take about 40% less of the main thread than as first compiled). Its largest hot function takes
// about 600 MB of the compiler's memory for a moment, so a serving command makes a new database apart, where
// initdb's memory is not held beside it (src/cli/embedded-apart.ts; docs/scale.md).
const SERVING = new Set(["serve", "demo"]);
const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
const semiSpaceChosen = flags.some((a) => a.startsWith("--max-semi-space-size"));
if (SERVING.has(process.argv[2]) && !semiSpaceChosen && typeof process.execve === "function") {
  process.execve(
    process.execPath,
    [process.execPath, "--max-semi-space-size=16", ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
const { runCli } = await import("../src/cli/main.ts");
await runCli(process.argv.slice(2));
