// Preloaded into a server process by bench/fhir-memory.ts (`node --import ./bench/memory-probe.ts`): on SIGWINCH
// it writes what the process's memory is made of to ONEPLACE_MEMORY_REPORT: process.memoryUsage(), V8's heap
// spaces, and the resident size of each kind of mapping from /proc/self/smaps (the V8 heap, other anonymous
// memory such as malloc's arenas and WebAssembly, the node binary and shared libraries).
import { readFileSync, writeFileSync } from "node:fs";
import v8 from "node:v8";

const target = process.env.ONEPLACE_MEMORY_REPORT;

/** Resident KiB by mapping name ("[anon]" for anonymous memory, else the file or [heap], [stack]). */
function smapsByName(): Record<string, number> {
  const out: Record<string, number> = {};
  let name = "[anon]";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      name = header[1].trim() || "[anon]";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[name] = (out[name] ?? 0) + Number(rss[1]);
  }
  return out;
}

if (target)
  process.on("SIGWINCH", () => {
    const report = {
      memoryUsage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics().map((s) => ({
        name: s.space_name,
        size: s.space_size,
        used: s.space_used_size,
        physical: s.physical_space_size,
      })),
      smaps: smapsByName(),
      at: new Date().toISOString(),
    };
    writeFileSync(target, JSON.stringify(report));
  });
