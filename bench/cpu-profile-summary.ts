// A V8 CPU profile (node:inspector's Profiler.stop) summed up: self time by package or source folder, the
// time each was anywhere on the stack, and the functions with the most self time. For the page benches.

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by package or source folder, and the functions with the most self time. */
export function printProfile(name: string, profile: CpuProfile, top: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const bucket = (url: string, fn: string) => {
    if (!url) return fn.startsWith("(") ? fn : "(native)";
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (nm) return nm[1];
    const src = /\/(src|bench|test)\/(.+?)\.ts/.exec(url);
    if (src) return `${src[1]}/${src[2]}`;
    if (url.startsWith("node:")) return url.replace(/^node:internal\//, "node:").split("/")[0];
    if (url.startsWith("wasm://")) return "wasm";
    return url;
  };
  const byBucket = new Map<string, number>();
  const byFn = new Map<string, number>();
  let all = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") continue;
    all += us;
    const b = bucket(url, functionName);
    byBucket.set(b, (byBucket.get(b) ?? 0) + us);
    const f = `${functionName || "(anonymous)"} ${b}:${lineNumber + 1}`;
    byFn.set(f, (byFn.get(f) ?? 0) + us);
  }
  // Inclusive: the time each package or folder was anywhere on the stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const onStack = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n || n.callFrame.functionName === "(idle)") break;
      seen.add(bucket(n.callFrame.url, n.callFrame.functionName));
    }
    for (const b of seen) onStack.set(b, (onStack.get(b) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / all).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${name}: ${(all / 1000).toFixed(0)} ms busy in the profile`);
  for (const [b, us] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${b}  (on the stack ${pct(onStack.get(b) ?? 0).trim()})`);
  console.log("  -- on the stack (inclusive)");
  for (const [b, us] of [...onStack].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${b}`);
  console.log("  -- functions by self time");
  for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${f}`);
}
