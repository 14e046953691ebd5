// The hazard log's check itself: a real node:test run of a small fixture file (one test passes, one is skipped,
// one fails) through the results reporter, then the checker over hazard files that name those tests.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { type CliResult, collectOutput } from "../helpers/cli.ts";
import { checkHazards, readResults } from "./check.ts";
import { loadHazards, parseHazard, ROOT } from "./hazards.ts";

const HERE = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), "oneplace-safety-check-"));
const fixture = join(dir, "fixture.test.ts");
const fixturePath = relative(ROOT, fixture).split("\\").join("/");
const results = join(dir, "results.jsonl");
const hazardsDir = join(dir, "hazards");

function run(args: string[]): Promise<CliResult> {
  // Without the runner's own NODE_TEST_CONTEXT, so the fixture run is a run of its own, not a child of this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return collectOutput(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }))
    .done;
}

function hazard(
  id: string,
  slug: string,
  evidenceTest: string,
  extra: Partial<Record<string, string>> = {},
): void {
  const yaml = `id: ${id}
title: A fixture hazard (${slug})
capability: governance
code: [src/governance/reader.ts]
causes:
  - a cause
effect: an effect
harm: a harm
initial: { severity: 4, likelihood: 3 }
controls:
  - kind: test
    description: the control
    evidence:
      - { file: ${JSON.stringify(extra.file ?? fixturePath)}, test: ${JSON.stringify(evidenceTest)} }
residual: ${extra.residual ?? "{ severity: 4, likelihood: 1 }"}
status: ${extra.status ?? "controlled"}
${extra.justification ? `justification: ${extra.justification}\n` : ""}`;
  writeFileSync(join(hazardsDir, `${id}-${slug}.yaml`), yaml);
}

before(async () => {
  mkdirSync(hazardsDir);
  writeFileSync(
    fixture,
    `import { test } from "node:test";
test("the control holds", () => {});
test("a skipped control", { skip: "not today" }, () => {});
test("a failing control", () => { throw new Error("the control did not hold"); });
`,
  );
  const reporter = join(HERE, "results-reporter.ts");
  const r = await run([
    "--test",
    `--test-reporter=${reporter}`,
    `--test-reporter-destination=${results}`,
    fixture,
  ]);
  assert.equal(r.code, 1, "the fixture run fails (it has a failing test)");
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the results reporter records each test's file, name and outcome, and the run's end", () => {
  const run = readResults(results);
  assert.equal(run.complete, true);
  const names = run.byFile.get(fixturePath);
  assert.ok(names, `results name ${fixturePath}: ${[...run.byFile.keys()].join(", ")}`);
  assert.equal(names.get("the control holds")?.[0].outcome, "passed");
  assert.equal(names.get("a skipped control")?.[0].outcome, "skipped");
  assert.equal(names.get("a failing control")?.[0].outcome, "failed");
  assert.match(names.get("a failing control")?.[0].error ?? "", /the control did not hold/);
});

test("a hazard evidenced by a test that ran and passed passes the check (through the command)", async () => {
  rmSync(hazardsDir, { recursive: true, force: true });
  mkdirSync(hazardsDir);
  hazard("HAZ-001", "passes", "the control holds");
  const r = await run([join(HERE, "check.ts"), results, "--hazards", hazardsDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 hazards, 1 evidence tests ran and passed in this run/);
});

test("a missing, a skipped and a failing test and an unjustified high residual risk each fail the build, named", async () => {
  rmSync(hazardsDir, { recursive: true, force: true });
  mkdirSync(hazardsDir);
  hazard("HAZ-001", "missing-test", "a control test that was deleted");
  hazard("HAZ-002", "skipped-test", "a skipped control");
  hazard("HAZ-003", "failing-test", "a failing control");
  hazard("HAZ-004", "high-residual", "the control holds", { residual: "{ severity: 4, likelihood: 3 }" });
  hazard("HAZ-005", "missing-file", "the control holds", { file: "test/clinical-safety/gone.test.ts" });
  hazard("HAZ-006", "open-no-reason", "the control holds", { status: "open" });
  const r = await run([join(HERE, "check.ts"), results, "--hazards", hazardsDir]);
  assert.equal(r.code, 1);
  const lines = r.stderr.split("\n");
  const about = (id: string) => lines.filter((l) => l.includes(id)).join("\n");
  assert.match(r.stderr, /the hazard log fails its check \(6 problem\(s\)\)/);
  assert.match(
    about("HAZ-001"),
    /names the test "a control test that was deleted" in .*fixture\.test\.ts, which did not run in this run \(deleted or renamed\?\)/,
  );
  assert.match(
    about("HAZ-002"),
    /"a skipped control" .* was skipped in this run: a skipped test evidences nothing/,
  );
  assert.match(about("HAZ-003"), /"a failing control" .* failed in this run: the control did not hold/);
  assert.match(
    about("HAZ-004"),
    /residual risk rating 3 \(Undesirable: severity 4 Major, likelihood 3 Medium\) is above acceptable \(2\) and has no justification/,
  );
  assert.match(about("HAZ-005"), /names test\/clinical-safety\/gone\.test\.ts, which does not exist/);
  assert.match(about("HAZ-006"), /is open without a justification/);
  assert.match(
    about("HAZ-001"),
    /HAZ-001 \(.*HAZ-001-missing-test\.yaml\)/,
    "each problem names the hazard's file",
  );
});

test("a justification lets a high residual risk stand; a test file that did not run at all is named", () => {
  rmSync(hazardsDir, { recursive: true, force: true });
  mkdirSync(hazardsDir);
  hazard("HAZ-001", "justified", "the control holds", {
    residual: "{ severity: 4, likelihood: 3 }",
    justification: "Further reduction needs the deploying organisation's own process; see the safety case.",
  });
  hazard("HAZ-002", "not-run", "any test", { file: "test/clinical-safety/checker.test.ts" });
  const report = checkHazards(loadHazards(hazardsDir), readResults(results));
  assert.deepEqual(report.problems.length, 1, report.problems.join("\n"));
  assert.match(
    report.problems[0],
    /HAZ-002 .* names the test "any test" in test\/clinical-safety\/checker\.test\.ts, but that file did not run in this run/,
  );
});

test("a run that did not finish fails the check, whatever it passed", () => {
  const partial = join(dir, "partial.jsonl");
  writeFileSync(
    partial,
    readFileSync(results, "utf8")
      .split("\n")
      .filter((l) => !l.includes('"run-end"'))
      .join("\n"),
  );
  rmSync(hazardsDir, { recursive: true, force: true });
  mkdirSync(hazardsDir);
  hazard("HAZ-001", "passes", "the control holds");
  const report = checkHazards(loadHazards(hazardsDir), readResults(partial));
  assert.deepEqual(report.problems, ["the test results have no end: the run stopped before it finished"]);
});

test("a hazard file of the wrong shape is refused with its file and what to fix", () => {
  const good = (over: string) =>
    `id: HAZ-009\ntitle: t\ncapability: c\ncode: [a]\ncauses: [b]\neffect: e\nharm: h\ninitial: { severity: 2, likelihood: 2 }\ncontrols: []\nresidual: { severity: 2, likelihood: 1 }\nstatus: controlled\n${over}`;
  const src = "docs/clinical-safety/hazards/HAZ-009-x.yaml";
  assert.equal(parseHazard(src, good("")).id, "HAZ-009");
  assert.throws(() => parseHazard(src, good("severity: 3\n")), /HAZ-009-x\.yaml: unknown key\(s\) severity/);
  assert.throws(
    () => parseHazard(src, good("").replace("likelihood: 2 }", "likelihood: 6 }")),
    /"initial" must be \{ severity: 1-5, likelihood: 1-5 \}/,
  );
  assert.throws(
    () => parseHazard(src, good("").replace("controlled", "done")),
    /"status" must be one of open/,
  );
  assert.throws(
    () =>
      parseHazard(
        src,
        good("").replace("controls: []", "controls:\n  - kind: test\n    description: d\n    evidance: []"),
      ),
    /control 1: unknown key\(s\) evidance; a control has kind, description, evidence, notes/,
  );
  assert.throws(
    () => parseHazard("docs/clinical-safety/hazards/HAZ-010-x.yaml", good("")),
    /the file name must begin with its id/,
  );
  assert.throws(
    () => parseHazard(src, good("").replace("effect: e", "effect: e\n\teffect: f")),
    /line 7: indent/,
  );
});
