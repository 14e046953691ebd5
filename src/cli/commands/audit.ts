import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { toFhirAuditEvent } from "../../governance/audit-fhir.ts";
import type { AuditRecord } from "../../governance/audit-log.ts";
import { auditForPerson, auditForUser } from "../../governance/audit-query.ts";
import { auditRecordsInOrder } from "../../governance/audit-records.ts";
import { verifyAuditChain } from "../../governance/audit-verify.ts";
import { listBreakGlass, reviewBreakGlass } from "../../governance/break-glass.ts";
import { GovernanceError } from "../../governance/errors.ts";
import { recordSecurityEvent } from "../../governance/security-events.ts";
import { type Command, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { cliOperator } from "./users.ts";

const json = { type: "boolean", description: "Print the result as JSON" } as const;

function onePositional(positionals: string[], command: string, what: string): string {
  if (positionals.length !== 1)
    throw new CliError(`Give exactly one ${what}.`, { exitCode: EXIT_USAGE, hint: usageHint(command) });
  return positionals[0];
}

async function governed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GovernanceError) throw new CliError(error.message, { hint: error.hint });
    throw error;
  }
}

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

export const auditVerify: Command = {
  name: "audit verify",
  summary: "Check the audit trail's hash chain: names any row that was edited, deleted or reordered.",
  usage: "oneplace audit verify [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const result = await verifyAuditChain(db);
        if (values.json) outJson(result);
        else if (result.ok) {
          out(
            `The audit trail is intact: ${result.rows.toLocaleString("en-GB")} rows, head ${result.head.seq} ${result.head.hash}.`,
          );
          out(
            "Keep the head hash somewhere outside the database to detect a rewrite of the whole chain later.",
          );
        } else {
          out(`The audit trail has been TAMPERED WITH (${result.problems.length} problem(s)):`);
          for (const p of result.problems) out(`  ${p.message}`);
        }
        return result.ok ? 0 : 1;
      },
      { migrate: true },
    );
  },
};

export const auditPerson: Command = {
  name: "audit person",
  summary: "Who looked at this person? Every access, allowed or denied, by person id or NHS Number.",
  usage: "oneplace audit person <person-id | NHS Number> [--json]",
  allowPositionals: true,
  options: { json },
  async run({ values, positionals }) {
    const ref = onePositional(positionals, "audit person", "person id or NHS Number");
    return withDb(
      (db) =>
        governed(async () => {
          const { personIds, events } = await auditForPerson(db, cliOperator(), ref);
          if (values.json) outJson({ personIds, events });
          else {
            out(`Accesses to person ${personIds.join(", ")}: ${events.length}`);
            for (const e of events) out(`  ${line(e, false)}`);
          }
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const auditUser: Command = {
  name: "audit user",
  summary: "What did this user look at? Every access and sign-in by a username.",
  usage: "oneplace audit user <username> [--json]",
  allowPositionals: true,
  options: { json },
  async run({ values, positionals }) {
    const username = onePositional(positionals, "audit user", "username");
    return withDb(
      (db) =>
        governed(async () => {
          const events = await auditForUser(db, cliOperator(), username);
          if (values.json) outJson(events);
          else {
            out(`Events by ${username}: ${events.length}`);
            for (const e of events) out(`  ${line(e, true)}`);
          }
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const auditExport: Command = {
  name: "audit export",
  summary: "Export the audit trail as FHIR R4 AuditEvent resources, one JSON per line (NDJSON).",
  usage: "oneplace audit export --format fhir [--out <file>]",
  options: {
    format: { type: "string", valueName: "format", description: "fhir (FHIR R4 AuditEvent NDJSON)" },
    out: { type: "string", valueName: "file", description: "Write to this file instead of standard output" },
  },
  async run({ values }) {
    if (values.format !== "fhir") {
      throw new CliError("--format fhir is required (the only format so far).", {
        exitCode: EXIT_USAGE,
        hint: usageHint("audit export"),
      });
    }
    return withDb(
      async (db) => {
        const file = typeof values.out === "string" ? values.out : null;
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
      { migrate: true },
    );
  },
};

export const auditBreakGlass: Command = {
  name: "audit break-glass",
  summary: "Break-glass accesses for the IG officer to review (unreviewed ones unless --all).",
  usage: "oneplace audit break-glass [--all] [--json]",
  options: { all: { type: "boolean", description: "Include reviewed ones" }, json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const list = await listBreakGlass(db, { unreviewedOnly: values.all !== true });
        if (values.json) outJson(list);
        else if (list.length === 0)
          out(values.all ? "No break-glass accesses." : "No break-glass accesses are waiting for review.");
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
      { migrate: true },
    );
  },
};

export const auditReview: Command = {
  name: "audit review",
  summary: "Record the IG officer's review of a break-glass access.",
  usage: "oneplace audit review <break-glass-id> --note <text>",
  allowPositionals: true,
  options: { note: { type: "string", valueName: "text", description: "The outcome of the review" } },
  async run({ values, positionals }) {
    const id = onePositional(positionals, "audit review", "break-glass id");
    const note = typeof values.note === "string" ? values.note.trim() : "";
    if (!note)
      throw new CliError("--note is required.", { exitCode: EXIT_USAGE, hint: usageHint("audit review") });
    return withDb(
      async (db) => {
        const operator = cliOperator();
        if (!(await reviewBreakGlass(db, id, operator.name, note))) {
          throw new CliError(`No unreviewed break-glass access ${id}.`, {
            hint: "See 'oneplace audit break-glass'.",
          });
        }
        await recordSecurityEvent(db, operator, {
          action: "break-glass-review",
          allowed: true,
          reason: "break-glass reviewed",
          detail: `break-glass ${id}`,
        });
        out(`Review recorded for ${id}.`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const AUDIT_COMMANDS: readonly Command[] = [
  auditVerify,
  auditPerson,
  auditUser,
  auditExport,
  auditBreakGlass,
  auditReview,
];
