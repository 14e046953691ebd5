import { readFileSync } from "node:fs";
import { readSettings } from "../platform/index.ts";
import { type Command, runCommand } from "./command.ts";
import {
  auditBreakGlass,
  auditExport,
  auditPerson,
  auditReview,
  auditUser,
  auditVerify,
} from "./commands/audit.ts";
import { bcfExport, bcfImport, bcfList, bcfValidate } from "./commands/bcf.ts";
import { carePlanShow, careServicesImport, careServicesList } from "./commands/care.ts";
import { careMdtAgenda, careMdtMinutes, careMdtSchedule } from "./commands/care-mdt.ts";
import { cohortRegister, cohortRun, cohortSave } from "./commands/cohort.ts";
import { dbDistribute, dbMigrate, dbStatus } from "./commands/db.ts";
import { demo } from "./commands/demo.ts";
import { costsSet, costsShow, evaluate } from "./commands/evaluate.ts";
import { feeds, feedsInstance, feedsMap, feedsPid2, feedsUnmapped, feedsWrite } from "./commands/feeds.ts";
import { fhirClientList, fhirClientRegister, fhirClientRevoke } from "./commands/fhir.ts";
import { ingestCodes, ingestCsv, ingestFeeds, ingestFhir, ingestHl7 } from "./commands/ingest.ts";
import {
  metricsCompute,
  metricsDefine,
  metricsEnter,
  metricsExport,
  metricsImport,
  metricsShow,
} from "./commands/metrics.ts";
import { mllp, mllpSend } from "./commands/mllp.ts";
import { modelReport, modelTrain } from "./commands/model.ts";
import {
  mpiEvaluate,
  mpiHistory,
  mpiLink,
  mpiMerge,
  mpiReview,
  mpiSeparate,
  mpiUnmerge,
} from "./commands/mpi.ts";
import { personExport } from "./commands/person.ts";
import { rejectsDismiss, rejectsList, rejectsReplay, rejectsShow } from "./commands/rejects.ts";
import { reportBoard } from "./commands/report.ts";
import { serve } from "./commands/serve.ts";
import { stratify, stratifyReport } from "./commands/stratify.ts";
import { synth } from "./commands/synth.ts";
import {
  usersAssignRole,
  usersCreate,
  usersCreateTeam,
  usersCreateToken,
  usersList,
  usersLock,
  usersRemoveRole,
  usersResetPassword,
  usersRevokeToken,
  usersRoles,
  usersTeams,
  usersUnlock,
} from "./commands/users.ts";
import { describeFailure, EXIT_USAGE, usageError } from "./errors.ts";

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly Command[] = [
  demo,
  serve,
  synth,
  dbDistribute,
  dbMigrate,
  dbStatus,
  usersCreate,
  usersList,
  usersRoles,
  usersTeams,
  usersCreateTeam,
  usersAssignRole,
  usersRemoveRole,
  usersResetPassword,
  usersLock,
  usersUnlock,
  usersCreateToken,
  usersRevokeToken,
  fhirClientRegister,
  fhirClientList,
  fhirClientRevoke,
  auditVerify,
  auditPerson,
  auditUser,
  auditExport,
  auditBreakGlass,
  auditReview,
  personExport,
  careServicesImport,
  careServicesList,
  carePlanShow,
  careMdtSchedule,
  careMdtAgenda,
  careMdtMinutes,
  stratify,
  stratifyReport,
  modelTrain,
  modelReport,
  cohortRun,
  cohortSave,
  cohortRegister,
  metricsCompute,
  metricsShow,
  metricsEnter,
  metricsExport,
  metricsImport,
  metricsDefine,
  bcfImport,
  bcfValidate,
  bcfExport,
  bcfList,
  evaluate,
  costsShow,
  costsSet,
  reportBoard,
  ingestHl7,
  ingestFhir,
  ingestCsv,
  ingestFeeds,
  ingestCodes,
  rejectsList,
  rejectsShow,
  rejectsReplay,
  rejectsDismiss,
  mpiReview,
  mpiLink,
  mpiSeparate,
  mpiMerge,
  mpiUnmerge,
  mpiHistory,
  mpiEvaluate,
  mllp,
  mllpSend,
  feeds,
  feedsWrite,
  feedsUnmapped,
  feedsMap,
  feedsInstance,
  feedsPid2,
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

/** Finds the command named by the first one, two or three words of argv ("care services import"). */
function resolve(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [3, 2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

/** The commands of a group ("users", "audit"), for `oneplace users --help`. */
function groupCommands(group: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

function groupHelp(group: string, commands: readonly Command[]): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(28)} ${c.summary.split(/\.(?:\s|$)/)[0]}`);
  return `Usage: oneplace ${group} <command> [options]

Commands:
${rows.join("\n")}

Run 'oneplace ${group} <command> --help' for a command's options.
`;
}

const isHelp = (word: string | undefined) => word === "--help" || word === "-h";

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || (argv.length === 1 && (argv[0] === "help" || isHelp(argv[0])))) {
    process.stdout.write(overview());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  // `oneplace help users lock` is `oneplace users lock --help`.
  if (argv[0] === "help") return main([...argv.slice(1), "--help"]);
  const group = groupCommands(argv[0] as string);
  if (group.length > 0 && isHelp(argv[1]) && !COMMANDS.some((c) => c.name === argv[0])) {
    process.stdout.write(groupHelp(argv[0] as string, group));
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const found = resolve(argv);
  if (!found) {
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
    if (readSettings().debug) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    process.exitCode = failure.exitCode;
  }
}
