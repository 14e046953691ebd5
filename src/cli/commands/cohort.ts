import { readFileSync } from "node:fs";
import { addMonths, isIsoDate } from "../../core/dates.ts";
import {
  type CohortCounts,
  type CohortCriteria,
  cohortMembers,
  countCohort,
  listCohorts,
  parseCriteria,
  saveCohort,
} from "../../risk/cohort.ts";
import { createRegister, type RegisterScope, refreshRegister, registerChanges } from "../../risk/register.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

const num = (n: number) => n.toLocaleString("en-GB");
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");

function readCriteria(path: string | undefined, command: string): CohortCriteria {
  if (!path) {
    throw new CliError("Give the cohort's criteria as a JSON file.", {
      exitCode: EXIT_USAGE,
      hint: usageHint(command),
    });
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new CliError(
      `Cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CliError(`${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseCriteria(json);
  } catch (cause) {
    throw new CliError(`${path}: ${(cause as Error).message}`, { exitCode: EXIT_USAGE, cause });
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

export const cohortRun: Command = {
  name: "cohort run",
  summary:
    "Count the people who meet a cohort's criteria (a JSON file, or a saved cohort), by practice and locality.",
  usage: "oneplace cohort run <file.json> | --saved ID [--list] [--limit N] [--json]",
  allowPositionals: true,
  options: {
    saved: { type: "string", valueName: "id", description: "Run a saved cohort instead of a file" },
    list: {
      type: "boolean",
      description: "Also list the people (internal ids, practice, tier; no names or NHS Numbers)",
    },
    limit: {
      type: "string",
      valueName: "N",
      description: "List at most N people, highest risk first (default 100)",
    },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values, positionals }) {
    const saved = typeof values.saved === "string" ? values.saved : undefined;
    if (saved && positionals.length) {
      throw new CliError("Give a file or --saved, not both.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("cohort run"),
      });
    }
    const criteria: CohortCriteria = saved
      ? { inCohorts: [saved] }
      : readCriteria(positionals[0], "cohort run");
    const limit = intOption(values.limit, "limit", 1, 10_000_000) ?? 100;
    return withDb(
      async (db) => {
        const [run] = await db.query("SELECT 1 FROM risk_run WHERE kind = 'full' LIMIT 1");
        if (!run)
          throw new CliError("There is no stratification to select from yet.", {
            hint: "Run 'oneplace stratify' first.",
          });
        const started = performance.now();
        const counts = await countCohort(db, criteria);
        const ms = performance.now() - started;
        // Governance must wrap this list (legitimate relationship, pseudonymised for commissioners, audited).
        const members = values.list ? await cohortMembers(db, criteria, { limit }) : undefined;
        if (values.json) outJson({ criteria, counts, milliseconds: ms, members });
        else {
          out(formatCounts(counts));
          if (members) {
            out(`\nPeople (highest risk first${members.length === limit ? `, first ${num(limit)}` : ""})`);
            for (const m of members) {
              out(
                `  ${m.personId}  ${m.practiceCode}  age ${String(m.age).padStart(3)}  ${(m.efiCategory ?? "-").padEnd(8)}  ${(m.riskTier ?? "-").padEnd(9)}  ${m.probability === null ? "-" : `${(100 * m.probability).toFixed(1)}%`}`,
              );
            }
          }
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const cohortSave: Command = {
  name: "cohort save",
  summary: "Save a cohort's criteria under an id, so other cohorts and registers can use it.",
  usage: "oneplace cohort save <id> <file.json> | --list",
  allowPositionals: true,
  options: {
    list: { type: "boolean", description: "List the saved cohorts" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values, positionals }) {
    if (values.list) {
      return withDb(
        async (db) => {
          const cohorts = await listCohorts(db);
          if (values.json) outJson(cohorts);
          else
            for (const c of cohorts)
              out(`  ${c.cohortId.padEnd(28)} ${c.description}  ${JSON.stringify(c.criteria)}`);
          return 0;
        },
        { migrate: true },
      );
    }
    const [id, file] = positionals;
    if (!id || !file) {
      throw new CliError("Give the cohort's id and its criteria file.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("cohort save"),
      });
    }
    const criteria = readCriteria(file, "cohort save");
    return withDb(
      async (db) => {
        await saveCohort(db, id, criteria);
        if (values.json) outJson({ cohortId: id, criteria });
        else out(`Saved cohort "${id}".`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const cohortRegister: Command = {
  name: "cohort register",
  summary:
    "Refresh a register (a saved cohort kept per practice or locality) against the latest stratification, and show who joined and left.",
  usage: "oneplace cohort register <id> [--cohort ID --by practice|locality] [--since DATE] [--json]",
  allowPositionals: true,
  options: {
    cohort: {
      type: "string",
      valueName: "id",
      description: "Create (or re-point) the register on this saved cohort",
    },
    by: { type: "string", valueName: "scope", description: "Keep it per practice (default) or per locality" },
    since: {
      type: "string",
      valueName: "date",
      description: "Show joiners and leavers after this date (default: a month before the stratification)",
    },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values, positionals }) {
    const [id] = positionals;
    if (!id)
      throw new CliError("Give the register's id.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("cohort register"),
      });
    const scope = (values.by ?? "practice") as RegisterScope;
    if (scope !== "practice" && scope !== "locality") {
      throw new CliError(`--by must be practice or locality, not "${values.by}"`, {
        exitCode: EXIT_USAGE,
        hint: usageHint("cohort register"),
      });
    }
    const since = typeof values.since === "string" ? values.since : undefined;
    if (since !== undefined && !isIsoDate(since)) {
      throw new CliError(`--since must be a date written YYYY-MM-DD, not "${since}"`, {
        exitCode: EXIT_USAGE,
      });
    }
    return withDb(
      async (db) => {
        if (typeof values.cohort === "string") await createRegister(db, id, values.cohort, scope);
        const result = await refreshRegister(db, id);
        const from = since ?? addMonths(result.asOf, -1);
        const changes = await registerChanges(db, id, from);
        if (values.json) outJson({ ...result, since: from, changes });
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
      { migrate: true },
    );
  },
};
