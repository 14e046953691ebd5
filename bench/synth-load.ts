// Benchmark: generate the synthetic place and load it, then print the time, the peak memory and the rows
// per table. The engine follows the environment: DATABASE_URL set means that PostgreSQL server (a scratch
// database is created on it and dropped afterwards, unless --in-place), otherwise PGlite in a temporary
// ONEPLACE_HOME. Targets at Thurrock scale: 90 s on PGlite, 45 s on PostgreSQL, 2 GB peak memory.
//
//   node bench/synth-load.ts [--people N] [--seed S] [--report] [--in-place] [--keep]
//
// --report prints the calibration report of the loaded place; --keep leaves the database for inspection.

import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { migrate, openDb } from "../src/store/index.ts";
import {
  calibrationReport,
  DEFAULT_SYNTH_CONFIG,
  formatCalibrationReport,
  loadSyntheticPlace,
  type SynthConfig,
} from "../src/synth/index.ts";
import { createTestDatabase, serverUrl } from "../test/helpers/test-db.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    seed: { type: "string" },
    report: { type: "boolean", default: false },
    "in-place": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

const config: SynthConfig = {
  ...DEFAULT_SYNTH_CONFIG,
  people: values.people ? Number(values.people.replace(/[_,]/g, "")) : DEFAULT_SYNTH_CONFIG.people,
  seed: values.seed ?? DEFAULT_SYNTH_CONFIG.seed,
};

// --in-place: no scratch database on the server, only the temporary home.
const scratch = await createTestDatabase({
  prefix: "oneplace-bench",
  server: values["in-place"] ? null : serverUrl,
  durableCommits: true,
});
const db = await openDb({ databaseUrl: scratch.databaseUrl ?? serverUrl, home: scratch.home });
try {
  await migrate(db);
  console.log(
    `Loading ${config.people.toLocaleString("en-GB")} people (seed ${JSON.stringify(config.seed)}, ${config.historyStart} to ${config.historyEnd}) into ${db.engine} at ${db.location}`,
  );
  let lastPrint = 0;
  const result = await loadSyntheticPlace(db, config, (p) => {
    const now = performance.now();
    if (now - lastPrint < 5000) return;
    lastPrint = now;
    process.stderr.write(
      `  ${p.peopleDone.toLocaleString("en-GB")} of ${p.peopleTotal.toLocaleString("en-GB")} people\n`,
    );
  });
  const entries = Object.entries(result.rowsByTable).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const rate = (n: number) => Math.round(n / result.seconds).toLocaleString("en-GB");
  console.log(`\n${"table".padEnd(24)} ${"rows".padStart(11)} ${"rows/s".padStart(10)}`);
  for (const [table, n] of entries) {
    console.log(`${table.padEnd(24)} ${n.toLocaleString("en-GB").padStart(11)} ${rate(n).padStart(10)}`);
  }
  console.log(
    `${"total".padEnd(24)} ${total.toLocaleString("en-GB").padStart(11)} ${rate(total).padStart(10)}`,
  );
  console.log(`\nengine          ${db.engine}`);
  console.log(`seconds         ${result.seconds.toFixed(1)} (generate, load in one transaction, ANALYZE)`);
  console.log(
    `peak memory     ${Math.round(process.resourceUsage().maxRSS / 1024).toLocaleString("en-GB")} MB (maxRSS, both threads)`,
  );
  console.log(`rows per person ${(total / config.people).toFixed(1)}`);
  if (values.report) {
    const started = performance.now();
    const rows = await calibrationReport(db, config);
    console.log(`\n${formatCalibrationReport(rows)}`);
    console.log(`(report computed in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  await db.close();
  if (values.keep && scratch.name) {
    console.log(`kept database ${scratch.name}`);
    rmSync(scratch.home, { recursive: true, force: true });
  } else await scratch.drop();
}
