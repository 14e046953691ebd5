// Benchmark: generation alone, no database. Makes the place's COPY text and throws it away, on one thread as
// generatePlace() does (--threads 0: the rows handed to a sink one by one, encoded there) or on N worker threads
// as `oneplace synth` does (parallel.ts), and prints people per second of wall time and per CPU second (all of
// the process's threads). On a shared machine the CPU figure is the one to compare.
//
//   node bench/synth-generate.ts [--people N] [--places N] [--threads N,...] [--chunk N] [--format text|binary]
//
// --threads takes a list, e.g. 0,1,2: each is run in turn. --format binary makes COPY's binary format, what a
// load into the embedded engine (the demo) has the threads make; text (the default) is what a server gets.

import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { CopyBinaryWriter, encodeNamedRow } from "../src/store/index.ts";
import {
  DEFAULT_SYNTH_CONFIG,
  generateInParallel,
  generatePlace,
  type SynthConfig,
} from "../src/synth/index.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "20000" },
    places: { type: "string", default: "1" },
    threads: { type: "string", default: "0,1,2" },
    chunk: { type: "string", default: "500" },
    format: { type: "string", default: "text" },
  },
});

if (values.format !== "text" && values.format !== "binary") throw new Error("--format is text or binary");
const format = values.format;

const config: SynthConfig = {
  ...DEFAULT_SYNTH_CONFIG,
  people: Number(values.people.replace(/[_,]/g, "")),
  places: Number(values.places),
};

async function sequential(): Promise<{ people: number; bytes: number }> {
  let people = 0;
  let bytes = 0;
  const writer = new CopyBinaryWriter(1 << 20);
  await generatePlace(
    config,
    {
      add(table, row) {
        if (format === "text") bytes += encodeNamedRow(table, row).length;
        else {
          writer.row(table, row);
          if (writer.byteLength > 1 << 20) bytes += writer.take().byteLength;
        }
        return undefined;
      },
    },
    (done) => {
      people = done;
    },
  );
  return { people, bytes: bytes + writer.byteLength };
}

async function threaded(workers: number): Promise<{ people: number; bytes: number }> {
  let people = 0;
  let bytes = 0;
  for await (const chunk of generateInParallel(config, {
    workers,
    chunkPeople: Number(values.chunk),
    format,
  })) {
    people += chunk.people;
    for (const piece of chunk.pieces) bytes += piece.bytes.byteLength;
  }
  return { people, bytes };
}

console.log(
  `Generating ${config.people.toLocaleString("en-GB")} registered people a place, ${config.places} place(s), COPY ${format}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const threads of values.threads.split(",").map(Number)) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const { people, bytes } = threads === 0 ? await sequential() : await threaded(threads);
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${threads === 0 ? "one thread (generatePlace)" : `${threads} worker thread(s)`}: ${people.toLocaleString("en-GB")} people, ${(bytes / 2 ** 20).toFixed(0)} MiB of COPY; wall ${wall.toFixed(1)} s (${Math.round(people / wall).toLocaleString("en-GB")} people/s), CPU ${cpuSeconds.toFixed(1)} s (${Math.round(people / cpuSeconds).toLocaleString("en-GB")} people per CPU second); load average ${loadavg()[0].toFixed(1)}`,
  );
}
