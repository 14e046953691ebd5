// Child process for the kill test: appends audit rows forever, printing each seq once its append returned.
import { appendAuditEvent } from "../../../src/governance/audit-log.ts";
import { openDb } from "../../../src/store/index.ts";

const db = await openDb({
  databaseUrl: process.env.DATABASE_URL || undefined,
  home: process.env.ONEPLACE_HOME as string,
});
for (let i = 0; ; i++) {
  const { seq } = await appendAuditEvent(db, {
    actorUserId: null,
    actor: "writer",
    roleCode: null,
    teamCode: null,
    purpose: "administration",
    action: "test",
    allowed: true,
    reason: `row ${i}`,
    channel: "test",
  });
  process.stdout.write(`${seq}\n`);
}
