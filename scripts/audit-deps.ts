// Dependency audit for CI: `npm audit` of the production dependencies (no dev dependencies), failing on
// high or critical advisories when the advisory service answers, and saying plainly that nothing was checked
// (and succeeding) when it does not: an offline build or a mirror without the advisory endpoint is not a
// vulnerability. Usage: node scripts/audit-deps.ts [--npm <npm binary>] (the option is for its tests).
// Exit: 0 checked and clean, or not checked; 1 high or critical advisories found.
import { spawnSync } from "node:child_process";

interface AuditReport {
  vulnerabilities?: Record<string, { name?: string; severity?: string; via?: unknown[]; range?: string }>;
  metadata?: { vulnerabilities?: Record<string, number> };
  message?: string;
  statusCode?: number;
  error?: { code?: string; summary?: string };
}

const SERIOUS = new Set(["high", "critical"]);

/** Where the advisory service was asked, without naming it: the reason it did not answer. */
function whyUnanswered(report: AuditReport | null, stderr: string): string {
  const said =
    report?.error?.code ??
    report?.message ??
    report?.error?.summary ??
    stderr.trim().split("\n").at(-1) ??
    "";
  return said.replace(/\s*-?\s*(?:GET|POST)?\s*https?:\/\/\S+/g, "").trim() || "no answer";
}

export function auditDeps(npm = "npm"): { code: number; lines: string[] } {
  const run = spawnSync(npm, ["audit", "--omit=dev", "--audit-level=high", "--json"], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  let report: AuditReport | null = null;
  try {
    report = JSON.parse(run.stdout) as AuditReport;
  } catch {}
  const counts = report?.metadata?.vulnerabilities;
  if (run.error || !report || !counts || report.error) {
    const why = run.error ? run.error.message : whyUnanswered(report, run.stderr ?? "");
    return {
      code: 0,
      lines: [`Dependency audit: could not reach the advisory service; not checked (${why}).`],
    };
  }
  const serious = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => SERIOUS.has(v.severity ?? ""))
    .map(([name, v]) => `  ${v.severity?.padEnd(8)} ${name}${v.range ? ` ${v.range}` : ""}`)
    .sort();
  const total = (counts.high ?? 0) + (counts.critical ?? 0);
  if (total > 0) {
    return {
      code: 1,
      lines: [
        `Dependency audit: ${total} high or critical advisories in production dependencies:`,
        ...serious,
        "Run 'npm audit --omit=dev' for the advisories and 'npm audit fix' (or update the package) to mend them.",
      ],
    };
  }
  const lesser = (counts.low ?? 0) + (counts.moderate ?? 0) + (counts.info ?? 0);
  return {
    code: 0,
    lines: [
      `Dependency audit: no high or critical advisories in production dependencies${lesser ? ` (${lesser} lower ones)` : ""}.`,
    ],
  };
}

if (import.meta.main) {
  const at = process.argv.indexOf("--npm");
  const result = auditDeps(at > 0 ? process.argv[at + 1] : "npm");
  for (const line of result.lines) (result.code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  process.exitCode = result.code;
}
