// What a process's resident memory is made of, from /proc/PID/smaps: the WebAssembly memories (PGlite's engine:
// its heap, shared buffers among it, which grows and never shrinks), V8's and malloc's other anonymous memory,
// and the files mapped (the node binary, shared libraries). For the memory benches.
import { readFileSync } from "node:fs";

export interface ResidentBreakdown {
  /** VmRSS and VmHWM (the peak) in MiB. */
  rss: number;
  peak: number;
  /** Resident MiB of the WebAssembly memories (each a reservation of 4 GiB or more, as V8 makes them). */
  wasm: number;
  /** Other anonymous memory (V8's heap, malloc's arenas, thread stacks), resident MiB. */
  anonymous: number;
  /** Mapped files (the node binary, libraries), resident MiB. */
  files: number;
}

const GIB = 1024 ** 3;

interface Mapping {
  start: number;
  end: number;
  perms: string;
  name: string;
  rssKb: number;
}

function mappings(pid: number | "self"): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = {
        start: Number.parseInt(header[1], 16),
        end: Number.parseInt(header[2], 16),
        perms: header[3],
        name: header[4].trim(),
        rssKb: 0,
      };
      out.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rssKb = Number(rss[1]);
  }
  return out;
}

/** The resident memory of a process (default this one) by kind, in MiB. */
export function residentBreakdown(pid: number | "self" = "self"): ResidentBreakdown {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const maps = mappings(pid);
  // A WebAssembly memory is one reservation (its accessible pages, then inaccessible ones up to the guard
  // region's end), split into adjacent anonymous mappings: runs of adjacent anonymous mappings of 4 GiB or more.
  let wasmKb = 0;
  let anonKb = 0;
  let filesKb = 0;
  for (let i = 0; i < maps.length; ) {
    const m = maps[i];
    if (m.name !== "" && m.name !== "[heap]" && !m.name.startsWith("[anon")) {
      if (m.name.startsWith("/")) filesKb += m.rssKb;
      else anonKb += m.rssKb;
      i++;
      continue;
    }
    let j = i;
    let rssKb = 0;
    while (j < maps.length && maps[j].name === m.name && (j === i || maps[j].start === maps[j - 1].end)) {
      rssKb += maps[j].rssKb;
      j++;
    }
    if (maps[j - 1].end - m.start >= 4 * GIB && m.name === "") {
      wasmKb += rssKb;
    } else anonKb += rssKb;
    i = j;
  }
  const mib = (k: number) => k / 1024;
  return {
    rss: mib(kb("VmRSS")),
    peak: mib(kb("VmHWM")),
    wasm: mib(wasmKb),
    anonymous: mib(anonKb),
    files: mib(filesKb),
  };
}

/** One line: "RSS 512 MiB (peak 700): WebAssembly 300, other anonymous 150, files 60". */
export function formatBreakdown(b: ResidentBreakdown): string {
  const n = (x: number) => x.toFixed(0);
  return `RSS ${n(b.rss)} MiB (peak ${n(b.peak)}): WebAssembly ${n(b.wasm)}, other anonymous ${n(b.anonymous)}, files ${n(b.files)}`;
}
