// Subject access: `oneplace person export` writes everything OnePlace holds about one person, and the audit of
// who saw them, to a file for the information governance officer answering the request. It acts as a named
// user in a role that may read the audit trail (the reader refuses and audits anyone else), for administration.
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import {
  createReader,
  type GovernedReader,
  listAssignments,
  listUsers,
  type ReaderIdentity,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import { defineCommand, nhsNumber, path, text } from "../command.ts";
import { out, outJson } from "../context.ts";
import { notFound, usageError } from "../errors.ts";
import { json } from "../options.ts";

async function igIdentity(db: Db, username: string, teamCode: string | undefined): Promise<ReaderIdentity> {
  const user = (await listUsers(db)).find((u) => u.username === username);
  if (!user)
    throw notFound("cli.no-such-user", `There is no user ${username}.`, {
      hint: "See 'oneplace users list'.",
    });
  const assignments = (await listAssignments(db, user.userId)).filter(
    (a) => teamCode === undefined || a.team.teamCode === teamCode,
  );
  if (assignments.length === 0) {
    throw usageError(`${username} holds no role${teamCode ? ` in team ${teamCode}` : ""}.`);
  }
  // The role that may read the audit trail if they hold one; otherwise their first, which the reader refuses.
  const roleAssignment = assignments.find((a) => a.role.mayReadAudit) ?? assignments[0];
  return {
    user: { userId: user.userId, username: user.username, status: user.status },
    roleAssignment,
    purpose: "administration",
    origin: { channel: "cli", detail: "oneplace person export" },
  };
}

export const personExport = defineCommand({
  name: "person export",
  summary: "Subject access: export one person's data and the audit of who saw it, as the IG officer.",
  options: {
    "nhs-number": nhsNumber("The person's NHS Number", { required: true }),
    reference: text("The subject access request's reference (recorded in the audit trail)", {
      required: true,
    }),
    as: text("The username of the information governance officer answering the request", {
      valueName: "username",
      required: true,
    }),
    team: text("The team they act in (default: the team of their role that may read the audit trail)"),
    out: path("The file to write (JSON); it must not exist yet", { required: true }),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    // Take the file first, so that a name already used stops the export before it is read or audited.
    let fd: number;
    try {
      fd = openSync(options.out, "wx", 0o600);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "EEXIST") {
        throw usageError(`${options.out} already exists: choose a new file for the export.`);
      }
      throw cause;
    }
    let sar: Awaited<ReturnType<GovernedReader["subjectAccessExport"]>>;
    try {
      const reader = createReader(db, await igIdentity(db, options.as, options.team));
      sar = await reader.subjectAccessExport(options["nhs-number"], options.reference);
      writeFileSync(fd, `${JSON.stringify(sar, null, 2)}\n`);
    } catch (cause) {
      closeSync(fd);
      rmSync(options.out, { force: true });
      throw cause;
    }
    closeSync(fd);
    const summary = {
      file: options.out,
      reference: sar.reference,
      people: sar.people.length,
      merged: sar.people.reduce((n, p) => n + p.merged.length, 0),
      events: sar.people.reduce((n, p) => n + p.events.length, 0),
      sourceRecords: sar.people.reduce((n, p) => n + p.sourceRecords.length, 0),
      auditRows: sar.audit.length,
    };
    if (options.json) outJson(summary);
    else {
      out(
        `Wrote the subject access export for request ${sar.reference} to ${options.out}: ${summary.people} person record(s)${summary.merged > 0 ? ` (with ${summary.merged} merged into them)` : ""}, ${summary.events} events, ${summary.sourceRecords} source records, ${summary.auditRows} audit rows (who saw them).`,
      );
      out(
        "The export is itself in the audit trail. The file names the person: send it securely and delete your copy.",
      );
    }
    return 0;
  },
});
