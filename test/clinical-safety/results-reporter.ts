// A node:test reporter that writes what ran, one JSON line per test (file, name, outcome), for the hazard log's
// check to read after the suite: `--test-reporter=./test/clinical-safety/results-reporter.ts
// --test-reporter-destination=<file>`, given beside the spec reporter (package.json's "test" script).
import { relative, sep } from "node:path";
import { ROOT } from "./hazards.ts";

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  skip?: boolean | string;
  todo?: boolean | string;
  details?: { type?: string; error?: { message?: string; cause?: unknown } };
}

export interface ResultLine {
  kind: "result";
  file: string | null;
  name: string;
  nesting: number;
  outcome: "passed" | "failed" | "skipped" | "todo";
  suite: boolean;
  error?: string;
}

export interface RunLine {
  kind: "run-start" | "run-end";
  at: string;
  counts?: Record<string, number>;
}

function repoPath(file: string | undefined): string | null {
  if (!file) return null;
  const path = file.startsWith("file://") ? new URL(file).pathname : file;
  return relative(ROOT, path).split(sep).join("/");
}

function errorText(details: TestEventData["details"]): string | undefined {
  const error = details?.error;
  if (!error) return undefined;
  const cause = error.cause as { message?: string } | undefined;
  return String(cause?.message ?? error.message ?? "failed")
    .split("\n")[0]
    .slice(0, 300);
}

export default async function* resultsReporter(
  source: AsyncIterable<{ type: string; data: unknown }>,
): AsyncGenerator<string> {
  yield `${JSON.stringify({ kind: "run-start", at: new Date().toISOString() } satisfies RunLine)}\n`;
  const counts: Record<string, number> = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data as TestEventData;
    const outcome =
      event.type === "test:fail"
        ? "failed"
        : data.skip !== undefined && data.skip !== false
          ? "skipped"
          : data.todo !== undefined && data.todo !== false
            ? "todo"
            : "passed";
    counts[outcome]++;
    const line: ResultLine = {
      kind: "result",
      file: repoPath(data.file),
      name: data.name,
      nesting: data.nesting,
      outcome,
      suite: data.details?.type === "suite",
      error: outcome === "failed" ? errorText(data.details) : undefined,
    };
    yield `${JSON.stringify(line)}\n`;
  }
  yield `${JSON.stringify({ kind: "run-end", at: new Date().toISOString(), counts } satisfies RunLine)}\n`;
}
