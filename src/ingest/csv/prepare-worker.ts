import { enableCompileCache } from "node:module";

// The parsing thread's entry (prepare.ts does the work). Its modules are most of the application, and compiling
// them again on every load cost the thread ~0.45 s of CPU (~3.5 µs a row of a 128,000-row file); from V8's
// compile cache on disk (Node's default directory, or NODE_COMPILE_CACHE), ~0.15 s.
enableCompileCache();
await import("./prepare.ts");
