import { readFileSync } from "node:fs";
import { readSettings } from "../platform/index.ts";
import { type Command, runCommand } from "./command.ts";
import { describeFailure, EXIT_USAGE, usageError } from "./errors.ts";

/**
 * A command as the overview lists it: its name, its summary's first sentence, and where its declaration (options,
 * help, run) is loaded from. A command's module, and the capability it calls, is loaded only when that command
 * runs or prints its help: a Node start that loaded every command's module cost about a second of CPU more.
 */
export interface ListedCommand {
  readonly name: string;
  readonly headline: string;
  readonly load: () => Promise<Command>;
}

const listed = (name: string, headline: string, load: () => Promise<Command>): ListedCommand => ({
  name,
  headline,
  load,
});

/** Every command, in the order the overview lists them. test/cli/command.test.ts checks each against its module. */
export const COMMAND_LIST: readonly ListedCommand[] = [
  listed(
    "demo",
    "Run OnePlace on the embedded database: create it if needed, generate and load the synthetic Thurrock if it is empty, print a summary and serve the status page",
    async () => (await import("./commands/demo.ts")).demo,
  ),
  listed(
    "serve",
    "Start the web server (the status page and /health) and the HL7v2 MLLP listener on the configured database",
    async () => (await import("./commands/serve.ts")).serve,
  ),
  listed(
    "synth",
    "Generate the synthetic place (default: Thurrock) and load it into the database, write it to files, or print its calibration report",
    async () => (await import("./commands/synth.ts")).synth,
  ),
  listed(
    "db distribute",
    "On a Citus coordinator, after db migrate: lay every table out as the catalogue declares (reference, distributed on person_id and co-located with person, distributed on the NHS Number, or coordinator-local)",
    async () => (await import("./commands/db.ts")).dbDistribute,
  ),
  listed(
    "db migrate",
    "Apply the database migrations that have not been applied yet, in order",
    async () => (await import("./commands/db.ts")).dbMigrate,
  ),
  listed(
    "db status",
    "Show which migrations are applied and which are pending, and on Citus each table's layout",
    async () => (await import("./commands/db.ts")).dbStatus,
  ),
  listed(
    "users create",
    "Create a user account",
    async () => (await import("./commands/users.ts")).usersCreate,
  ),
  listed(
    "users list",
    "List user accounts with their status and roles",
    async () => (await import("./commands/users.ts")).usersList,
  ),
  listed(
    "users roles",
    "List the roles and what each may do with personal data",
    async () => (await import("./commands/users.ts")).usersRoles,
  ),
  listed(
    "users teams",
    "List the teams (practices, locality MDTs, provider services and others)",
    async () => (await import("./commands/users.ts")).usersTeams,
  ),
  listed(
    "users create-team",
    "Create a team: a practice, a locality MDT, a provider service, commissioning or corporate",
    async () => (await import("./commands/users.ts")).usersCreateTeam,
  ),
  listed(
    "users assign-role",
    "Give a user a role in a team",
    async () => (await import("./commands/users.ts")).usersAssignRole,
  ),
  listed(
    "users remove-role",
    "Take a role in a team away from a user; their sessions and tokens in it end",
    async () => (await import("./commands/users.ts")).usersRemoveRole,
  ),
  listed(
    "users reset-password",
    "Set a new password, clear a sign-in lockout and end the user's sessions",
    async () => (await import("./commands/users.ts")).usersResetPassword,
  ),
  listed(
    "users lock",
    "Lock an account: no sign-in, and its sessions end now",
    async () => (await import("./commands/users.ts")).usersLock,
  ),
  listed(
    "users unlock",
    "Unlock an account, including a lockout after failed sign-ins",
    async () => (await import("./commands/users.ts")).usersUnlock,
  ),
  listed(
    "users create-token",
    "Create a bearer token for a system using the API, acting as a user in one role",
    async () => (await import("./commands/users.ts")).usersCreateToken,
  ),
  listed(
    "users revoke-token",
    "Revoke an API token by its id",
    async () => (await import("./commands/users.ts")).usersRevokeToken,
  ),
  listed(
    "fhir register-client",
    "Register a SMART backend services client of the FHIR API: its public keys, its scopes, and the service account, role, team and purpose it acts as",
    async () => (await import("./commands/fhir.ts")).fhirClientRegister,
  ),
  listed(
    "fhir clients",
    "List the FHIR API's backend clients, with what they act as and their scopes",
    async () => (await import("./commands/fhir.ts")).fhirClientList,
  ),
  listed(
    "fhir revoke-client",
    "Revoke a FHIR backend client and every access token it holds, at once",
    async () => (await import("./commands/fhir.ts")).fhirClientRevoke,
  ),
  listed(
    "audit verify",
    "Check the audit trail's hash chain: names any row that was edited, deleted or reordered",
    async () => (await import("./commands/audit.ts")).auditVerify,
  ),
  listed(
    "audit person",
    "Who looked at this person? Every access, allowed or denied, by person id or NHS Number",
    async () => (await import("./commands/audit.ts")).auditPerson,
  ),
  listed(
    "audit user",
    "What did this user look at? Every access and sign-in by a username",
    async () => (await import("./commands/audit.ts")).auditUser,
  ),
  listed(
    "audit export",
    "Export the audit trail as FHIR R4 AuditEvent resources, one JSON per line (NDJSON)",
    async () => (await import("./commands/audit.ts")).auditExport,
  ),
  listed(
    "audit break-glass",
    "Break-glass accesses for the IG officer to review (unreviewed ones unless --all)",
    async () => (await import("./commands/audit.ts")).auditBreakGlass,
  ),
  listed(
    "audit review",
    "Record the IG officer's review of a break-glass access",
    async () => (await import("./commands/audit.ts")).auditReview,
  ),
  listed(
    "person export",
    "Subject access: export one person's data and the audit of who saw it, as the IG officer",
    async () => (await import("./commands/person.ts")).personExport,
  ),
  listed(
    "care services import",
    "Import the directory of services from a CSV (a header row; rows added or updated on service_code, bad rows reported)",
    async () => (await import("./commands/care.ts")).careServicesImport,
  ),
  listed(
    "care services list",
    "List the directory of services: who each is for, how to refer, and its receiving team",
    async () => (await import("./commands/care.ts")).careServicesList,
  ),
  listed(
    "care plan",
    "Show a person's joint care plan and referrals, as a named user in a direct-care role (audited)",
    async () => (await import("./commands/care.ts")).carePlanShow,
  ),
  listed(
    "care mdt schedule",
    "Schedule an MDT meeting for your team and draw its agenda from the register by rules (audited)",
    async () => (await import("./commands/care-mdt.ts")).careMdtSchedule,
  ),
  listed(
    "care mdt agenda",
    "Print an MDT meeting's agenda: who, why, and open actions (audited)",
    async () => (await import("./commands/care-mdt.ts")).careMdtAgenda,
  ),
  listed(
    "care mdt minutes",
    "Print an MDT meeting's minutes, or write them as a PDF (audited)",
    async () => (await import("./commands/care-mdt.ts")).careMdtMinutes,
  ),
  listed(
    "stratify",
    "Rescore the whole population: eFI, what is known about each person and their emergency admission risk, with tiers and High Intensity Users",
    async () => (await import("./commands/stratify.ts")).stratify,
  ),
  listed(
    "stratify report",
    "Report the latest stratification: eFI by practice, risk tiers and High Intensity Users by locality, their activity per quarter, and the national condition",
    async () => (await import("./commands/stratify.ts")).stratifyReport,
  ),
  listed(
    "model train",
    "Train the emergency admission risk model on the place's history, validate it on a later year, and keep it as a new version with its report",
    async () => (await import("./commands/model.ts")).modelTrain,
  ),
  listed(
    "model report",
    "Print a model version's validation report: discrimination, calibration and who it finds",
    async () => (await import("./commands/model.ts")).modelReport,
  ),
  listed(
    "cohort run",
    "Count the people who meet a cohort's criteria (a JSON file, or a saved cohort), by practice and locality",
    async () => (await import("./commands/cohort.ts")).cohortRun,
  ),
  listed(
    "cohort save",
    "Save a cohort's criteria under an id, so other cohorts and registers can use it",
    async () => (await import("./commands/cohort.ts")).cohortSave,
  ),
  listed(
    "cohort register",
    "Refresh a register (a saved cohort kept per practice or locality) against the latest stratification, and show who joined and left",
    async () => (await import("./commands/cohort.ts")).cohortRegister,
  ),
  listed(
    "metrics compute",
    "Compute the metrics (BCF and the place's other measures) for periods, for the place, each locality and each practice, and store them",
    async () => (await import("./commands/metrics.ts")).metricsCompute,
  ),
  listed(
    "metrics show",
    "Show stored metric values (the latest computed for each period and area), or the definitions",
    async () => (await import("./commands/metrics.ts")).metricsShow,
  ),
  listed(
    "metrics enter",
    "Enter a value from elsewhere (a published baseline, a survey result) with its source; it is checked against its numerator and denominator",
    async () => (await import("./commands/metrics.ts")).metricsEnter,
  ),
  listed(
    "metrics export",
    "Write stored metric values to a spreadsheet or a CSV file, one row per metric, period and area (xlsx or csv)",
    async () => (await import("./commands/metrics.ts")).metricsExport,
  ),
  listed(
    "metrics import",
    "Import entered values (published baselines, survey results) from a spreadsheet or CSV; each is checked",
    async () => (await import("./commands/metrics.ts")).metricsImport,
  ),
  listed(
    "metrics define",
    "Add or change a metric definition from a JSON file (a new version when it differs from the current one)",
    async () => (await import("./commands/metrics.ts")).metricsDefine,
  ),
  listed(
    "bcf import",
    "Import a BCF plan from a workbook or a directory of CSV files as a new version, with its actual spend, and validate it (layout in docs/formats/bcf-plan)",
    async () => (await import("./commands/bcf.ts")).bcfImport,
  ),
  listed(
    "bcf validate",
    "Validate a BCF plan (a file, or one stored): totals, ranges, rates against their numerators and denominators, targets against payment dates, risks; and show OnePlace's values beside the plan's",
    async () => (await import("./commands/bcf.ts")).bcfValidate,
  ),
  listed(
    "bcf export",
    "Write a stored BCF plan and its actual spend to a workbook or a directory of CSV files (xlsx or CSV)",
    async () => (await import("./commands/bcf.ts")).bcfExport,
  ),
  listed(
    "bcf list",
    "List the stored BCF plans and their versions",
    async () => (await import("./commands/bcf.ts")).bcfList,
  ),
  listed(
    "evaluate",
    "Evaluate an intervention against a matched comparison group: propensity matching, balance, and a difference in differences with its 95% interval",
    async () => (await import("./commands/evaluate.ts")).evaluate,
  ),
  listed(
    "costs show",
    "Show the unit costs OnePlace applies (a place edits them with 'oneplace costs set')",
    async () => (await import("./commands/evaluate.ts")).costsShow,
  ),
  listed(
    "costs set",
    "Set a unit cost from a date",
    async () => (await import("./commands/evaluate.ts")).costsSet,
  ),
  listed(
    "report board",
    "Produce the quarterly Health and Wellbeing Board report: metrics against the plan with RAG and trajectory charts, spend, payment at risk, risks and validation findings, as HTML and PDF",
    async () => (await import("./commands/report.ts")).reportBoard,
  ),
  listed(
    "ingest hl7",
    "Load HL7v2 ADT batch files (one message per MSH, or MLLP-framed), in order",
    async () => (await import("./commands/ingest.ts")).ingestHl7,
  ),
  listed(
    "ingest fhir",
    "Load FHIR R4 from a source: NDJSON, Bundles of any type or single resources, as JSON or XML; a folder or a Bulk Data export (manifest.json) in dependency order",
    async () => (await import("./commands/ingest.ts")).ingestFhir,
  ),
  listed(
    "ingest csv",
    "Load CSV extracts in the documented layouts (docs/formats/); the layout is found from the header",
    async () => (await import("./commands/ingest.ts")).ingestCsv,
  ),
  listed(
    "ingest feeds",
    "Load a feed folder (with its manifest.json) in the manifest's order, as 'oneplace feeds write' makes them",
    async () => (await import("./commands/ingest.ts")).ingestFeeds,
  ),
  listed(
    "ingest codes",
    "Load code maps (source_system,map_name,source_code,target_code): a source's local codes for any coded field; what was stored unmapped is corrected",
    async () => (await import("./commands/ingest.ts")).ingestCodes,
  ),
  listed(
    "rejects list",
    "List rejected messages and rows: source, where, why, when (open ones unless --status)",
    async () => (await import("./commands/rejects.ts")).rejectsList,
  ),
  listed(
    "rejects show",
    "Show one reject in full, with its raw payload",
    async () => (await import("./commands/rejects.ts")).rejectsShow,
  ),
  listed(
    "rejects replay",
    "Replay rejects after a fix (a code mapping, a missing record loaded, a corrected row)",
    async () => (await import("./commands/rejects.ts")).rejectsReplay,
  ),
  listed(
    "rejects dismiss",
    "Mark rejects as dealt with outside OnePlace (kept, no longer open)",
    async () => (await import("./commands/rejects.ts")).rejectsDismiss,
  ),
  listed(
    "mpi review",
    "The identity review queue: records whose best match scored between the thresholds",
    async () => (await import("./commands/mpi.ts")).mpiReview,
  ),
  listed(
    "mpi link",
    "Decide a review item: the record is the candidate person (links it; the decision is recorded)",
    async () => (await import("./commands/mpi.ts")).mpiLink,
  ),
  listed(
    "mpi separate",
    "Decide a review item: the record is not the candidate person (keeps it apart; recorded)",
    async () => (await import("./commands/mpi.ts")).mpiSeparate,
  ),
  listed(
    "mpi merge",
    "Merge two people found to be one: the second's records and rows move to the first (undo with 'mpi unmerge')",
    async () => (await import("./commands/mpi.ts")).mpiMerge,
  ),
  listed(
    "mpi unmerge",
    "Undo a merge: the retired person returns with the records (and rows) that were theirs",
    async () => (await import("./commands/mpi.ts")).mpiUnmerge,
  ),
  listed(
    "mpi history",
    "Every MPI decision about a person or a source record: what, when, by whom, why",
    async () => (await import("./commands/mpi.ts")).mpiHistory,
  ),
  listed(
    "mpi evaluate",
    "Matching precision and recall against the synthetic place's truth (synth_truth), and the review queue",
    async () => (await import("./commands/mpi.ts")).mpiEvaluate,
  ),
  listed(
    "mllp",
    "Start the HL7v2 MLLP listener alone: ADT messages are committed, then acknowledged",
    async () => (await import("./commands/mllp.ts")).mllp,
  ),
  listed(
    "mllp send",
    "Send an HL7v2 batch file to an MLLP listener, one message at a time, and report the ACKs",
    async () => (await import("./commands/mllp.ts")).mllpSend,
  ),
  listed(
    "feeds",
    "Feed health per source: last received, counts, reject rate, and queue depth (held, open rejects, review)",
    async () => (await import("./commands/feeds.ts")).feeds,
  ),
  listed(
    "feeds write",
    "Write the synthetic place as the feeds its systems would send (ADT, FHIR NDJSON, CSV) with a manifest",
    async () => (await import("./commands/feeds.ts")).feedsWrite,
  ),
  listed(
    "feeds unmapped",
    "The mapping worklist: local codes feeds sent that no mapping or standard knows (stored and flagged), with counts",
    async () => (await import("./commands/feeds.ts")).feedsUnmapped,
  ),
  listed(
    "feeds map",
    "Map a source's local code (code maps: ward-kind, admission-method, treatment-function, diagnosis, discharge-method, discharge-destination, ae-disposal, arrival-mode, sex, care-plan-type); what was stored with it unmapped is corrected",
    async () => (await import("./commands/feeds.ts")).feedsMap,
  ),
  listed(
    "feeds instance",
    "Whether this place takes HL7 test messages (MSH-11 T) as a test instance; --test or --production sets it",
    async () => (await import("./commands/feeds.ts")).feedsInstance,
  ),
  listed(
    "feeds pid2",
    "What ten bare digits in a source's HL7 PID-2 mean: its NHS Number (the v2.2/2.3 habit, the default) or some other id (--ignore)",
    async () => (await import("./commands/feeds.ts")).feedsPid2,
  ),
];

/** Every command's declaration (loads every command module: for tests and tools, not for one command's run). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_LIST.map((c) => c.load()));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function overview(): string {
  const rows = COMMAND_LIST.map((c) => `  ${c.name.padEnd(20)} ${c.headline}`);
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
function resolve(argv: string[]): { command: ListedCommand; rest: string[] } | null {
  for (const words of [3, 2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMAND_LIST.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

/** The commands of a group ("users", "audit"), for `oneplace users --help`. */
function groupCommands(group: string): ListedCommand[] {
  return COMMAND_LIST.filter((c) => c.name.startsWith(`${group} `));
}

function groupHelp(group: string, commands: readonly ListedCommand[]): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(28)} ${c.headline}`);
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
  if (group.length > 0 && isHelp(argv[1]) && !COMMAND_LIST.some((c) => c.name === argv[0])) {
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
  return runCommand(await found.command.load(), found.rest);
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
