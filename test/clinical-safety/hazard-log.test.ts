// The hazard log's files read, name code and tests that exist, and its rendered page is up to date. Whether each
// named test ran and passed is checked after the whole suite (check.ts, in `npm test`).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hazardProblems } from "./check.ts";
import { loadHazards, ROOT } from "./hazards.ts";
import { HAZARD_LOG_PAGE, renderHazardLog } from "./render.ts";

const log = loadHazards();

test("every hazard file reads, with a unique id", () => {
  assert.deepEqual(log.errors, []);
  assert.ok(log.hazards.length >= 23, `${log.hazards.length} hazards`);
});

test("every hazard is evidenced or honestly open, and a residual risk above acceptable is justified", () => {
  const problems = log.hazards.flatMap((h) => hazardProblems(h).map((p) => `${h.id} (${h.source}): ${p}`));
  assert.deepEqual(problems, []);
});

test("the code and the evidence files each hazard names exist", () => {
  const missing = log.hazards.flatMap((h) => [
    ...h.code.filter((c) => !existsSync(join(ROOT, c))).map((c) => `${h.id}: code ${c}`),
    ...h.controls
      .flatMap((c) => c.evidence)
      .filter((e) => !existsSync(join(ROOT, e.file)))
      .map((e) => `${h.id}: evidence file ${e.file}`),
  ]);
  assert.deepEqual(missing, []);
});

test("docs/clinical-safety/hazard-log.md is the hazard files rendered (run node test/clinical-safety/render.ts)", () => {
  const page = existsSync(HAZARD_LOG_PAGE) ? readFileSync(HAZARD_LOG_PAGE, "utf8") : "";
  assert.ok(
    page === renderHazardLog(),
    "the hazard log page is out of date: run `node test/clinical-safety/render.ts` and commit it",
  );
});
