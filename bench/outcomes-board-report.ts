// Benchmarks the quarterly board report on the place already loaded (ONEPLACE_HOME or DATABASE_URL), with
// Thurrock's plan imported if no plan is stored: figures, HTML and PDF. Prints figures; not a timed test.
//   node bench/outcomes-board-report.ts [--quarter 2015-Q3] [--runs 3] [--no-pdf]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { listPlanVersions, produceBoardReport, readPlanFile, savePlan } from "../src/commissioning/index.ts";
import { readSettings } from "../src/platform/index.ts";
import { migrate, openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { cpuSeconds } from "./outcomes-cpu.ts";

const { values } = parseArgs({
  options: {
    quarter: { type: "string", default: "2015-Q3" },
    runs: { type: "string", default: "3" },
    "no-pdf": { type: "boolean" },
  },
});
const db = await openDb(storeConfigFromEnv(process.env));
await migrate(db);
if ((await listPlanVersions(db)).length === 0) {
  const plan = await readPlanFile(new URL("../data/bcf/thurrock-2014-v0.6", import.meta.url).pathname);
  await savePlan(db, plan, "data/bcf/thurrock-2014-v0.6");
  console.log("Imported Thurrock's plan.");
}
const out = mkdtempSync(join(tmpdir(), "oneplace-board-bench-"));
const [{ people }] = await db.query<{ people: number }>("SELECT count(*)::int AS people FROM person");
console.log(
  `${db.engine} (${db.location}), ${people.toLocaleString("en-GB")} people; board report for ${values.quarter}`,
);
for (let run = 1; run <= Number(values.runs); run++) {
  const c0 = await cpuSeconds(db);
  const r = await produceBoardReport(db, {
    quarter: values.quarter as string,
    outDir: out,
    pdf: !values["no-pdf"],
    chromium: readSettings().chromium,
  });
  const s = r.seconds;
  const cpu = (await cpuSeconds(db)) - c0;
  console.log(
    `run ${run}: ${s.total.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU without the browser's (figures ${s.data.toFixed(2)} s, HTML ${s.html.toFixed(2)} s, PDF ${s.pdf.toFixed(2)} s)${r.pdf ? "" : ` ${r.pdfNote}`}`,
  );
}
rmSync(out, { recursive: true, force: true });
await db.close();
