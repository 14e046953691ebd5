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
const { runCli } = await import("../src/cli/main.ts");
await runCli(process.argv.slice(2));
