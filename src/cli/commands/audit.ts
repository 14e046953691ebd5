import { once } from "node:events";
import { createWriteStream } from "node:fs";
import {
  type AuditRecord,
  auditForPerson,
  auditForUser,
  auditRecordsInOrder,
  listBreakGlass,
  recordSecurityEvent,
  reviewBreakGlass,
  toFhirAuditEvent,
  verifyAuditChain,
} from "../../governance/index.ts";
import { choice, defineCommand, flag, path, text } from "../command.ts";
import { cliOperator, out } from "../context.ts";
import { notFound } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

function line(e: AuditRecord, showPeople: boolean): string {
  const as = e.roleCode ? ` as ${e.roleCode}${e.teamCode ? ` in ${e.teamCode}` : ""}` : "";
  const purpose = e.purpose ? ` for ${e.purpose}` : "";
  const people =
    showPeople && e.personIds.length > 0
      ? ` people ${e.personIds.slice(0, 5).join(",")}${e.personIds.length > 5 ? ` (+${e.personIds.length - 5})` : ""}`
      : "";
  const from = e.clientAddress ? ` from ${e.clientAddress}` : "";
  const flag = e.flagged ? " [BREAK-GLASS]" : "";
  return `${e.occurredAt}  #${e.seq}  ${e.actor}${as}${purpose}  ${e.action}  ${e.allowed ? "ALLOWED" : "DENIED"}: ${e.reason}${people} via ${e.channel}${from}${flag}`;
}

export const auditVerify = defineReport({
  name: "audit verify",
  summary: "Check the audit trail's hash chain: names any row that was edited, deleted or reordered.",
  options: { json },
  load: ({ db }) => verifyAuditChain(db),
  show: (result) =>
    result.ok
      ? [
          `The audit trail is intact: ${result.rows.toLocaleString("en-GB")} rows, head ${result.head.seq} ${result.head.hash}.`,
          "Keep the head hash somewhere outside the database to detect a rewrite of the whole chain later.",
        ]
      : [
          `The audit trail has been TAMPERED WITH (${result.problems.length} problem(s)):`,
          ...result.problems.map((p) => `  ${p.message}`),
        ],
  exitCode: (result) => (result.ok ? 0 : 1),
});

export const auditPerson = defineReport({
  name: "audit person",
  summary: "Who looked at this person? Every access, allowed or denied, by person id or NHS Number.",
  args: {
    person: text("The person's internal id or NHS Number", {
      valueName: "person-id | NHS Number",
      required: true,
    }),
  },
  options: { json },
  load: ({ args, db }) => auditForPerson(db, cliOperator(), args.person),
  show: ({ personIds, mergedPersonIds, events }) => [
    `Accesses to person ${personIds.join(", ")}${mergedPersonIds.length > 0 ? ` (with ${mergedPersonIds.join(", ")}, merged into them)` : ""}: ${events.length}`,
    ...events.map((e) => `  ${line(e, false)}`),
  ],
});

export const auditUser = defineReport({
  name: "audit user",
  summary: "What did this user look at? Every access and sign-in by a username.",
  args: { username: text("The user's username", { valueName: "username", required: true }) },
  options: { json },
  load: ({ args, db }) => auditForUser(db, cliOperator(), args.username),
  show: (events, { args }) => [
    `Events by ${args.username}: ${events.length}`,
    ...events.map((e) => `  ${line(e, true)}`),
  ],
});

export const auditExport = defineCommand({
  name: "audit export",
  summary: "Export the audit trail as FHIR R4 AuditEvent resources, one JSON per line (NDJSON).",
  options: {
    format: choice(["fhir"], "fhir (FHIR R4 AuditEvent NDJSON; the only format so far)", { required: true }),
    out: path("Write to this file instead of standard output"),
  },
  db: "migrated",
  async run({ options, db }) {
    const file = options.out;
    const stream = file ? createWriteStream(file, { mode: 0o600 }) : process.stdout;
    let n = 0;
    for await (const record of auditRecordsInOrder(db)) {
      if (!stream.write(`${JSON.stringify(toFhirAuditEvent(record))}\n`)) await once(stream, "drain");
      n++;
    }
    if (file) {
      stream.end();
      await once(stream, "finish");
      out(`Wrote ${n.toLocaleString("en-GB")} AuditEvent resources to ${file}.`);
    }
    await recordSecurityEvent(db, cliOperator(), {
      action: "audit-export",
      allowed: true,
      reason: "audit trail exported as FHIR AuditEvent",
      detail: `${n} events`,
    });
    return 0;
  },
});

export const auditBreakGlass = defineReport({
  name: "audit break-glass",
  summary: "Break-glass accesses for the IG officer to review (unreviewed ones unless --all).",
  options: { all: flag("Include reviewed ones"), json },
  load: ({ options, db }) => listBreakGlass(db, { unreviewedOnly: !options.all }),
  show: (list, { options }) =>
    list.length === 0
      ? options.all
        ? "No break-glass accesses."
        : "No break-glass accesses are waiting for review."
      : list.flatMap((b) => [
          `${b.breakGlassId}  ${b.startedAt}  ${b.username} as ${b.roleCode} in ${b.teamCode}  person ${b.personId}`,
          `    reason: ${b.reason}`,
          ...(b.reviewedAt ? [`    reviewed ${b.reviewedAt} by ${b.reviewedBy}: ${b.reviewNote}`] : []),
        ]),
});

export const auditReview = defineCommand({
  name: "audit review",
  summary: "Record the IG officer's review of a break-glass access.",
  args: { id: text("The break-glass access", { valueName: "break-glass-id", required: true }) },
  options: { note: text("The outcome of the review", { required: true }) },
  db: "migrated",
  async run({ options, args, db }) {
    const operator = cliOperator();
    if (!(await reviewBreakGlass(db, args.id, operator.name, options.note))) {
      throw notFound("cli.no-break-glass", `No unreviewed break-glass access ${args.id}.`, {
        hint: "See 'oneplace audit break-glass'.",
      });
    }
    await recordSecurityEvent(db, operator, {
      action: "break-glass-review",
      allowed: true,
      reason: "break-glass reviewed",
      detail: `break-glass ${args.id}`,
    });
    out(`Review recorded for ${args.id}.`);
    return 0;
  },
});
