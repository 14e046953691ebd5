import { readFileSync } from "node:fs";
import { type Command, helpText, parseCommandArgs } from "./command.ts";
import { AUDIT_COMMANDS } from "./commands/audit.ts";
import { BCF_COMMANDS } from "./commands/bcf.ts";
import { cohortRegister, cohortRun, cohortSave } from "./commands/cohort.ts";
import { dbMigrate, dbStatus } from "./commands/db.ts";
import { demo } from "./commands/demo.ts";
import { EVALUATE_COMMANDS } from "./commands/evaluate.ts";
import { FEEDS_COMMANDS } from "./commands/feeds.ts";
import { INGEST_COMMANDS } from "./commands/ingest.ts";
import { METRICS_COMMANDS } from "./commands/metrics.ts";
import { MLLP_COMMANDS } from "./commands/mllp.ts";
import { modelReport, modelTrain } from "./commands/model.ts";
import { MPI_COMMANDS } from "./commands/mpi.ts";
import { REJECTS_COMMANDS } from "./commands/rejects.ts";
import { REPORT_COMMANDS } from "./commands/report.ts";
import { serve } from "./commands/serve.ts";
import { stratify, stratifyReport } from "./commands/stratify.ts";
import { synth } from "./commands/synth.ts";
import { USER_COMMANDS } from "./commands/users.ts";
import { CliError, describeFailure, EXIT_USAGE } from "./errors.ts";

const COMMANDS: readonly Command[] = [
  demo,
  serve,
  synth,
  dbMigrate,
  dbStatus,
  ...USER_COMMANDS,
  ...AUDIT_COMMANDS,
  stratify,
  stratifyReport,
  modelTrain,
  modelReport,
  cohortRun,
  cohortSave,
  cohortRegister,
  ...METRICS_COMMANDS,
  ...BCF_COMMANDS,
  ...EVALUATE_COMMANDS,
  ...REPORT_COMMANDS,
  ...INGEST_COMMANDS,
  ...REJECTS_COMMANDS,
  ...MPI_COMMANDS,
  ...MLLP_COMMANDS,
  ...FEEDS_COMMANDS,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function overview(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(20)} ${c.summary.split(/\.(?:\s|$)/)[0]}`);
  return `OnePlace ${version()}: integrated health and social care for a place.

Usage: oneplace <command> [options]

Commands:
${rows.join("\n")}

Run 'oneplace <command> --help' for a command's options.

Environment:
  DATABASE_URL    postgres://user@host:5432/database to use a PostgreSQL server (default: embedded database)
  ONEPLACE_HOME   where the embedded database and other files live (default: ./.oneplace)
`;
}

/** Finds the command named by the first one or two words of argv. */
function resolve(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(overview());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const found = resolve(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    const hint = group.length
      ? `'${argv[0]}' needs one of: ${group.map((c) => c.name.split(" ")[1]).join(", ")}.`
      : "Run 'oneplace --help' to see the commands.";
    throw new CliError(`Unknown command: ${argv.slice(0, 2).join(" ")}`, { exitCode: EXIT_USAGE, hint });
  }
  const parsed = parseCommandArgs(found.command, found.rest);
  if (parsed === "help") {
    process.stdout.write(helpText(found.command));
    return 0;
  }
  return found.command.run(parsed);
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const failure = describeFailure(error);
    process.stderr.write(`oneplace: ${failure.message}\n`);
    if (failure.hint) process.stderr.write(`${failure.hint}\n`);
    if (process.env.ONEPLACE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    process.exitCode = failure.exitCode;
  }
}
