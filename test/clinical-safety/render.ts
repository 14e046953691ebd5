// Renders the hazard log (docs/clinical-safety/hazards/*.yaml) to docs/clinical-safety/hazard-log.md, the page a
// Clinical Safety Officer reads. A test keeps the page in step with the files:
//
//   node test/clinical-safety/render.ts        (rewrites the page)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRisk } from "./check.ts";
import { type Hazard, loadHazards, RATING_BANDS, ROOT, rating } from "./hazards.ts";

export const HAZARD_LOG_PAGE = join(ROOT, "docs", "clinical-safety", "hazard-log.md");

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function hazardSection(h: Hazard): string[] {
  const lines = [
    `### ${h.id}: ${h.title}`,
    "",
    `*Capability* \`${h.capability}\` · *code* ${h.code.map((c) => `\`${c}\``).join(", ")} · *status* **${h.status}** · *source* [${h.source.split("/").pop()}](hazards/${h.source.split("/").pop()})`,
    "",
    "**Causes**",
    "",
    ...h.causes.map((c) => `- ${c}`),
    "",
    `**Effect.** ${h.effect}`,
    "",
    `**Harm.** ${h.harm}`,
    "",
    `**Initial risk**: ${describeRisk(h.initial)}.`,
    "",
    "**Controls**",
    "",
  ];
  for (const c of h.controls) {
    lines.push(`- *${c.kind}*: ${c.description}`);
    for (const e of c.evidence) lines.push(`  - evidence: \`${e.file}\`: "${e.test}"`);
    if (c.evidence.length === 0) lines.push("  - evidence: none named");
  }
  lines.push("", `**Residual risk**: ${describeRisk(h.residual)}.`, "");
  if (h.justification) lines.push(`**Justification.** ${h.justification}`, "");
  return lines;
}

export function renderHazardLog(): string {
  const { hazards, errors } = loadHazards();
  if (errors.length > 0) throw new Error(`the hazard log has errors:\n${errors.join("\n")}`);
  const byRisk = [...hazards].sort(
    (a, b) => rating(b.residual) - rating(a.residual) || a.id.localeCompare(b.id, "en"),
  );
  const lines = [
    "# Hazard log",
    "",
    "<!-- Generated from docs/clinical-safety/hazards/*.yaml by `node test/clinical-safety/render.ts`; do not edit",
    "     by hand: edit the hazard's file and run the script (a test fails when this page is out of date). -->",
    "",
    "The hazard log of OnePlace under DCB0129, rendered from its data. How hazards are found, rated, reviewed and",
    "closed is in the [clinical risk management plan](clinical-risk-management-plan.md); the release's position is",
    "in the [clinical safety case report](safety-case-report.md). `npm test` checks every hazard below: each",
    "names the tests that evidence its controls, and each of those tests must have run and passed in the same",
    "run.",
    "",
    `${hazards.length} hazards. Residual risk ratings: ${[5, 4, 3, 2, 1]
      .map((r) => `${r} (${RATING_BANDS[r].name}): ${hazards.filter((h) => rating(h.residual) === r).length}`)
      .join("; ")}.`,
    "",
    "## Summary, highest residual risk first",
    "",
    "| id | hazard | capability | initial | residual | status | evidence tests |",
    "|---|---|---|---|---|---|---|",
    ...byRisk.map(
      (h) =>
        `| [${h.id}](#${anchor(h)}) | ${cell(h.title)} | ${h.capability} | ${rating(h.initial)} (S${h.initial.severity} L${h.initial.likelihood}) | ${rating(h.residual)} (S${h.residual.severity} L${h.residual.likelihood}) | ${h.status} | ${h.controls.reduce((n, c) => n + c.evidence.length, 0)} |`,
    ),
    "",
    "## Hazards",
    "",
    ...hazards.flatMap(hazardSection),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}

/** GitHub's heading anchor for "### HAZ-001: Title". */
function anchor(h: Hazard): string {
  return `${h.id}: ${h.title}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

if (import.meta.main) {
  writeFileSync(HAZARD_LOG_PAGE, renderHazardLog());
  process.stdout.write(`Wrote ${HAZARD_LOG_PAGE}\n`);
}
