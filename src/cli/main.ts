import { readFileSync } from "node:fs";
import { type Command, runCommand } from "./command.ts";
import * as audit from "./commands/audit.ts";
import * as bcf from "./commands/bcf.ts";
import * as cohort from "./commands/cohort.ts";
import * as db from "./commands/db.ts";
import * as demo from "./commands/demo.ts";
import * as evaluate from "./commands/evaluate.ts";
import * as feeds from "./commands/feeds.ts";
import * as ingest from "./commands/ingest.ts";
import * as metrics from "./commands/metrics.ts";
import * as mllp from "./commands/mllp.ts";
import * as model from "./commands/model.ts";
import * as mpi from "./commands/mpi.ts";
import * as rejects from "./commands/rejects.ts";
import * as report from "./commands/report.ts";
import * as serve from "./commands/serve.ts";
import * as stratify from "./commands/stratify.ts";
import * as synth from "./commands/synth.ts";
import * as users from "./commands/users.ts";
import { describeFailure, EXIT_USAGE, usageError } from "./errors.ts";

const isCommand = (x: unknown): x is Command =>
  typeof x === "object" && x !== null && "spec" in x && "name" in x && "summary" in x;

/** Every command each module exports, in the order the overview lists them. */
const COMMANDS: readonly Command[] = [
  demo,
  serve,
  synth,
  db,
  users,
  audit,
  stratify,
  model,
  cohort,
  metrics,
  bcf,
  evaluate,
  report,
  ingest,
  rejects,
  mpi,
  mllp,
  feeds,
].flatMap((module) => Object.values(module).filter(isCommand));

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
    throw usageError(`Unknown command: ${argv.slice(0, 2).join(" ")}`, { hint });
  }
  return runCommand(found.command, found.rest);
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
