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
import { cliOperator, out, outJson } from "../context.ts";
import { notFound } from "../errors.ts";
import { json } from "../options.ts";

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

export const auditVerify = defineCommand({
  name: "audit verify",
  summary: "Check the audit trail's hash chain: names any row that was edited, deleted or reordered.",
  options: { json },
  db: "migrated",
  async run({ options, db }) {
    const result = await verifyAuditChain(db);
    if (options.json) outJson(result);
    else if (result.ok) {
      out(
        `The audit trail is intact: ${result.rows.toLocaleString("en-GB")} rows, head ${result.head.seq} ${result.head.hash}.`,
      );
      out("Keep the head hash somewhere outside the database to detect a rewrite of the whole chain later.");
    } else {
      out(`The audit trail has been TAMPERED WITH (${result.problems.length} problem(s)):`);
      for (const p of result.problems) out(`  ${p.message}`);
    }
    return result.ok ? 0 : 1;
  },
});

export const auditPerson = defineCommand({
  name: "audit person",
  summary: "Who looked at this person? Every access, allowed or denied, by person id or NHS Number.",
  args: {
    person: text("The person's internal id or NHS Number", {
      valueName: "person-id | NHS Number",
      required: true,
    }),
  },
  options: { json },
  db: "migrated",
  async run({ options, args, db }) {
    const { personIds, events } = await auditForPerson(db, cliOperator(), args.person);
    if (options.json) outJson({ personIds, events });
    else {
      out(`Accesses to person ${personIds.join(", ")}: ${events.length}`);
      for (const e of events) out(`  ${line(e, false)}`);
    }
    return 0;
  },
});

export const auditUser = defineCommand({
  name: "audit user",
  summary: "What did this user look at? Every access and sign-in by a username.",
  args: { username: text("The user's username", { valueName: "username", required: true }) },
  options: { json },
  db: "migrated",
  async run({ options, args, db }) {
    const events = await auditForUser(db, cliOperator(), args.username);
    if (options.json) outJson(events);
    else {
      out(`Events by ${args.username}: ${events.length}`);
      for (const e of events) out(`  ${line(e, true)}`);
    }
    return 0;
  },
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

export const auditBreakGlass = defineCommand({
  name: "audit break-glass",
  summary: "Break-glass accesses for the IG officer to review (unreviewed ones unless --all).",
  options: { all: flag("Include reviewed ones"), json },
  db: "migrated",
  async run({ options, db }) {
    const list = await listBreakGlass(db, { unreviewedOnly: !options.all });
    if (options.json) outJson(list);
    else if (list.length === 0)
      out(options.all ? "No break-glass accesses." : "No break-glass accesses are waiting for review.");
    else {
      for (const b of list) {
        out(
          `${b.breakGlassId}  ${b.startedAt}  ${b.username} as ${b.roleCode} in ${b.teamCode}  person ${b.personId}`,
        );
        out(`    reason: ${b.reason}`);
        if (b.reviewedAt) out(`    reviewed ${b.reviewedAt} by ${b.reviewedBy}: ${b.reviewNote}`);
      }
    }
    return 0;
  },
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
