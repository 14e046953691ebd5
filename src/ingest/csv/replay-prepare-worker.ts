import { enableCompileCache } from "node:module";

// A replay's preparing thread's entry (replay-prepare.ts does the work), from V8's compile cache as the first load's
// parsing thread starts (prepare-worker.ts).
enableCompileCache();
await import("./replay-prepare.ts");
