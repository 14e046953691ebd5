import { addMonths } from "../../core/index.ts";
import {
  type CohortCounts,
  type CohortCriteria,
  cohortMembers,
  countCohort,
  createRegister,
  latestFullRun,
  listCohorts,
  parseCriteria,
  refreshRegister,
  registerChanges,
  saveCohort,
} from "../../risk/index.ts";
import { choice, date, defineCommand, flag, int, path, text } from "../command.ts";
import { out, outJson, print, readJsonFile } from "../context.ts";
import { usageError } from "../errors.ts";
import { json } from "../options.ts";
import { noStratification } from "./stratify.ts";

const num = (n: number) => n.toLocaleString("en-GB");
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");

const criteriaFile = path("The cohort's criteria as JSON", { valueName: "file.json" });

function readCriteria(file: string | undefined): CohortCriteria {
  if (!file) throw usageError("Give the cohort's criteria as a JSON file.");
  const json = readJsonFile(file);
  try {
    return parseCriteria(json);
  } catch (cause) {
    throw usageError(`${file}: ${(cause as Error).message}`, { cause });
  }
}

export function formatCounts(c: CohortCounts): string {
  const lines = [
    `${num(c.total)} of ${num(c.population)} people (${pct(c.total, c.population)}) as at ${c.asOf ?? "-"}`,
  ];
  lines.push("", "By locality");
  for (const l of c.byLocality) {
    lines.push(
      `  ${`${l.code} ${l.name}`.slice(0, 44).padEnd(44)} ${num(l.inCohort).padStart(8)} of ${num(l.population).padStart(8)}  ${pct(l.inCohort, l.population).padStart(6)}`,
    );
  }
  lines.push("", "By practice");
  for (const p of c.byPractice) {
    lines.push(
      `  ${`${p.code} ${p.name}`.slice(0, 44).padEnd(44)} ${num(p.inCohort).padStart(8)} of ${num(p.population).padStart(8)}  ${pct(p.inCohort, p.population).padStart(6)}  ${p.locality ?? ""}`,
    );
  }
  return lines.join("\n");
}

export const cohortRun = defineCommand({
  name: "cohort run",
  summary:
    "Count the people who meet a cohort's criteria (a JSON file, or a saved cohort), by practice and locality.",
  usage: "oneplace cohort run <file.json> | --saved ID [--list] [--limit N] [--json]",
  args: { file: criteriaFile },
  options: {
    saved: text("Run a saved cohort instead of a file", { valueName: "id" }),
    list: flag("Also list the people (internal ids, practice, tier; no names or NHS Numbers)"),
    limit: int("List at most N people, highest risk first (default 100)", {
      min: 1,
      max: 10_000_000,
      default: 100,
    }),
    json,
  },
  db: "migrated",
  async run({ options, args, db }) {
    if (options.saved && args.file) throw usageError("Give a file or --saved, not both.");
    const criteria: CohortCriteria = options.saved ? { inCohorts: [options.saved] } : readCriteria(args.file);
    const run = await latestFullRun(db);
    if (!run) throw noStratification("There is no stratification to select from yet.");
    const started = performance.now();
    const counts = await countCohort(db, criteria);
    const ms = performance.now() - started;
    // Governance must wrap this list (legitimate relationship, pseudonymised for commissioners, audited).
    const members = options.list ? await cohortMembers(db, criteria, { limit: options.limit }) : undefined;
    if (options.json) outJson({ criteria, counts, milliseconds: ms, members });
    else {
      out(formatCounts(counts));
      if (members) {
        out(
          `\nPeople (highest risk first${members.length === options.limit ? `, first ${num(options.limit)}` : ""})`,
        );
        for (const m of members) {
          out(
            `  ${m.personId}  ${m.practiceCode}  age ${String(m.age).padStart(3)}  ${(m.efiCategory ?? "-").padEnd(8)}  ${(m.riskTier ?? "-").padEnd(9)}  ${m.probability === null ? "-" : `${(100 * m.probability).toFixed(1)}%`}`,
          );
        }
      }
    }
    return 0;
  },
});

export const cohortSave = defineCommand({
  name: "cohort save",
  summary: "Save a cohort's criteria under an id, so other cohorts and registers can use it.",
  usage: "oneplace cohort save <id> <file.json> | --list",
  args: { id: text("The cohort's id", { valueName: "id" }), file: criteriaFile },
  options: { list: flag("List the saved cohorts"), json },
  db: "migrated",
  async run({ options, args, db }) {
    if (options.list) {
      const cohorts = await listCohorts(db);
      if (options.json) outJson(cohorts);
      else
        for (const c of cohorts)
          out(`  ${c.cohortId.padEnd(28)} ${c.description}  ${JSON.stringify(c.criteria)}`);
      return 0;
    }
    if (!args.id || !args.file) throw usageError("Give the cohort's id and its criteria file.");
    const criteria = readCriteria(args.file);
    await saveCohort(db, args.id, criteria);
    return print(options.json, { cohortId: args.id, criteria }, `Saved cohort "${args.id}".`);
  },
});

export const cohortRegister = defineCommand({
  name: "cohort register",
  summary:
    "Refresh a register (a saved cohort kept per practice or locality) against the latest stratification, and show who joined and left.",
  args: { id: text("The register's id", { valueName: "id", required: true }) },
  options: {
    cohort: text("Create (or re-point) the register on this saved cohort", { valueName: "id" }),
    by: choice(["practice", "locality"], "Keep it per practice (default) or per locality", {
      default: "practice",
    }),
    since: date("Show joiners and leavers after this date (default: a month before the stratification)"),
    json,
  },
  db: "migrated",
  async run({ options, args: { id }, db }) {
    if (options.cohort !== undefined) await createRegister(db, id, options.cohort, options.by);
    const result = await refreshRegister(db, id);
    const from = options.since ?? addMonths(result.asOf, -1);
    const changes = await registerChanges(db, id, from);
    if (options.json) outJson({ ...result, since: from, changes });
    else {
      out(
        `Register "${id}" as at ${result.asOf}: ${num(result.members)} people; this refresh added ${num(result.joined)} and removed ${num(result.left)}.`,
      );
      out(`Since ${from}:`);
      for (const c of changes) {
        out(
          `  ${c.orgCode.padEnd(10)} ${num(c.members).padStart(7)} on the register, ${num(c.joined)} joined, ${num(c.left)} left`,
        );
      }
    }
    return 0;
  },
});
