// The hazard log's check, run by `npm test` after the suite: every hazard has a control evidenced by tests,
// and every test it names ran and passed in this run (read from the results the suite's results reporter
// wrote); residual risk above acceptable carries a written justification.
//
//   node test/clinical-safety/check.ts <results.jsonl> [--hazards <folder>]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ACCEPTABLE_RATING,
  HAZARD_DIR,
  type Hazard,
  LIKELIHOOD,
  type LoadedLog,
  loadHazards,
  RATING_BANDS,
  type Risk,
  ROOT,
  rating,
  SEVERITY,
} from "./hazards.ts";
import type { ResultLine, RunLine } from "./results-reporter.ts";

export interface RunResults {
  /** Whether the run wrote its end (a run killed half way did not). */
  complete: boolean;
  /** file -> test name -> every outcome reported under that name. */
  byFile: Map<string, Map<string, ResultLine[]>>;
  total: number;
}

export function readResults(path: string): RunResults {
  const byFile = new Map<string, Map<string, ResultLine[]>>();
  let complete = false;
  let total = 0;
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (text.trim() === "") continue;
    const line = JSON.parse(text) as ResultLine | RunLine;
    if (line.kind === "run-end") complete = true;
    if (line.kind !== "result" || line.file === null) continue;
    total++;
    const names = byFile.get(line.file) ?? new Map<string, ResultLine[]>();
    byFile.set(line.file, names);
    names.set(line.name, [...(names.get(line.name) ?? []), line]);
  }
  return { complete, byFile, total };
}

export function describeRisk(risk: Risk): string {
  const r = rating(risk);
  return `rating ${r} (${RATING_BANDS[r].name}: severity ${risk.severity} ${SEVERITY[risk.severity - 1]}, likelihood ${risk.likelihood} ${LIKELIHOOD[risk.likelihood - 1]})`;
}

/** What is wrong with one piece of evidence in this run, or null when it ran and passed. */
function evidenceProblem(file: string, test: string, results: RunResults): string | null {
  if (!existsSync(join(ROOT, file))) return `names ${file}, which does not exist`;
  const names = results.byFile.get(file);
  if (!names) return `names the test "${test}" in ${file}, but that file did not run in this run`;
  const outcomes = names.get(test);
  if (!outcomes)
    return `names the test "${test}" in ${file}, which did not run in this run (deleted or renamed?)`;
  const failed = outcomes.find((o) => o.outcome === "failed");
  if (failed)
    return `names the test "${test}" in ${file}, which failed in this run${failed.error ? `: ${failed.error}` : ""}`;
  if (!outcomes.some((o) => o.outcome === "passed")) {
    return `names the test "${test}" in ${file}, which was ${outcomes[0].outcome === "todo" ? "marked todo" : "skipped"} in this run: a skipped test evidences nothing`;
  }
  return null;
}

export interface CheckReport {
  problems: string[];
  hazards: number;
  evidence: number;
  passed: number;
}

/** Checks the hazard log against one run's results; each problem names the hazard, its file and what to do. */
export function checkHazards(log: LoadedLog, results: RunResults): CheckReport {
  const problems = [...log.errors];
  if (!results.complete) problems.push("the test results have no end: the run stopped before it finished");
  let evidence = 0;
  let passed = 0;
  for (const h of log.hazards) {
    const at = `${h.id} (${h.source})`;
    for (const problem of hazardProblems(h)) problems.push(`${at}: ${problem}`);
    for (const control of h.controls) {
      for (const e of control.evidence) {
        evidence++;
        const problem = evidenceProblem(e.file, e.test, results);
        if (problem) problems.push(`${at}: a ${control.kind} control ${problem}`);
        else passed++;
      }
    }
  }
  if (log.hazards.length === 0) problems.push(`no hazards found in ${HAZARD_DIR}`);
  return { problems, hazards: log.hazards.length, evidence, passed };
}

/** The problems of one hazard that do not depend on the run. */
export function hazardProblems(h: Hazard): string[] {
  const problems: string[] = [];
  const evidenced = h.controls.some((c) => c.evidence.length > 0);
  if (!evidenced && !(h.status === "open" && h.justification)) {
    problems.push(
      "no control has evidence: name the test that proves a control, or record the hazard as open with a justification",
    );
  }
  const residual = rating(h.residual);
  if (residual > ACCEPTABLE_RATING && !h.justification) {
    problems.push(
      `residual risk ${describeRisk(h.residual)} is above acceptable (${ACCEPTABLE_RATING}) and has no justification: reduce it, or write why it cannot be reduced further`,
    );
  }
  if (residual > rating(h.initial)) {
    problems.push(
      `residual risk ${describeRisk(h.residual)} is higher than the initial ${describeRisk(h.initial)}`,
    );
  }
  if (h.status === "open" && !h.justification) {
    problems.push("is open without a justification: say why it is open and what would close it");
  }
  if (h.status === "closed" && residual > ACCEPTABLE_RATING) {
    problems.push(
      `is closed with residual risk ${describeRisk(h.residual)}: a hazard is closed only when acceptable`,
    );
  }
  return problems;
}

function main(argv: string[]): number {
  const resultsPath = argv[0];
  const dirAt = argv.indexOf("--hazards");
  const dir = dirAt >= 0 ? argv[dirAt + 1] : HAZARD_DIR;
  if (!resultsPath || (dirAt >= 0 && !dir)) {
    process.stderr.write("Usage: node test/clinical-safety/check.ts <results.jsonl> [--hazards <folder>]\n");
    return 2;
  }
  if (!existsSync(resultsPath)) {
    process.stderr.write(
      `Clinical safety: no test results at ${resultsPath}; run the suite with the results reporter first.\n`,
    );
    return 1;
  }
  const report = checkHazards(loadHazards(dir), readResults(resultsPath));
  if (report.problems.length > 0) {
    process.stderr.write(
      `Clinical safety: the hazard log fails its check (${report.problems.length} problem(s)):\n`,
    );
    for (const p of report.problems) process.stderr.write(`  - ${p}\n`);
    return 1;
  }
  process.stdout.write(
    `Clinical safety: ${report.hazards} hazards, ${report.passed} evidence tests ran and passed in this run.\n`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
