import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decideAccess } from "../../src/governance/access.ts";
import { migrate } from "../../src/store/index.ts";
import { runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";
import { contextFor, insertPerson, insertRegistered, makePerson, seedUsers } from "./fixtures.ts";
import { cliEnv } from "./helpers/cli-env.ts";

describe("oneplace audit", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  /** The commands after the first in one CLI child (the first runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  const registered = makePerson({ familyName: "Auditperson" });
  const stranger = makePerson({ familyName: "Strangerperson" });
  let breakGlassId = "";

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
    await withDatabase(database, async (db) => {
      await migrate(db);
      await seedUsers(db, [
        ["dr.patel", "gp", "practice"],
        ["nurse.obi", "community-clinician", "community"],
      ]);
      await insertRegistered(db, [registered]);
      await insertPerson(db, stranger);
      const gp = await contextFor(db, "dr.patel", "gp", "practice", "direct-care", {
        origin: { channel: "web", clientAddress: "10.1.2.3" },
      });
      const nurse = await contextFor(db, "nurse.obi", "community-clinician", "community", "direct-care");
      await decideAccess({ ...gp, person: registered.personId, action: "view" });
      await decideAccess({ ...nurse, person: registered.personId, action: "view" });
      const glass = await decideAccess({
        ...nurse,
        person: stranger.personId,
        action: "view",
        breakGlass: { reason: "Found collapsed at home visit next door" },
      });
      assert.ok(glass.allow);
      breakGlassId = glass.breakGlassId as string;
    });
  });
  after(() => database.drop());

  test("audit person: who looked at this person, by id or NHS Number, allowed and denied", async () => {
    const byId = await runCli(["audit", "person", registered.personId], env);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(
      byId.stdout,
      /dr\.patel as gp in riverside-practice for direct-care\s+view\s+ALLOWED: legitimate relationship: registered/,
    );
    assert.match(
      byId.stdout,
      /nurse\.obi as community-clinician in district-nursing for direct-care\s+view\s+DENIED: no legitimate relationship/,
    );
    assert.match(byId.stdout, /from 10\.1\.2\.3/);
    assert.doesNotMatch(byId.stdout, /Auditperson/);
    const nhs = registered.nhsNumber;
    const byNhs = await cli.run(
      ["audit", "person", `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`, "--json"],
      env,
    );
    assert.equal(byNhs.code, 0, byNhs.stderr);
    const parsed = JSON.parse(byNhs.stdout) as { personIds: string[]; events: { actor: string }[] };
    assert.deepEqual(parsed.personIds, [registered.personId]);
    assert.equal(parsed.events.filter((e) => !e.actor.startsWith("cli:")).length, 2);
    const bad = await cli.run(["audit", "person", "12345"], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /neither a person id nor a valid NHS Number/);
  });

  test("audit user: what this user looked at, with the break-glass flagged", async () => {
    const res = await cli.run(["audit", "user", "nurse.obi"], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`ALLOWED: break-glass.*people ${stranger.personId}.*\\[BREAK-GLASS\\]`),
    );
    const none = await cli.run(["audit", "user", "nobody"], env);
    assert.equal(none.code, 1);
  });

  test("audit break-glass lists what the IG officer must review; audit review records it", async () => {
    const list = await cli.run(["audit", "break-glass", "--json"], env);
    const items = JSON.parse(list.stdout) as { breakGlassId: string; reason: string; username: string }[];
    assert.equal(items.length, 1);
    assert.equal(items[0].username, "nurse.obi");
    assert.equal(items[0].reason, "Found collapsed at home visit next door");
    const review = await cli.run(["audit", "review", breakGlassId, "--note", "Appropriate: emergency"], env);
    assert.equal(review.code, 0, review.stderr);
    const after = await cli.run(["audit", "break-glass"], env);
    assert.match(after.stdout, /No break-glass accesses are waiting for review/);
    const twice = await cli.run(["audit", "review", breakGlassId, "--note", "again"], env);
    assert.equal(twice.code, 1);
  });

  test("audit export --format fhir writes one FHIR R4 AuditEvent per line", async () => {
    const res = await cli.run(["audit", "export", "--format", "fhir"], env);
    assert.equal(res.code, 0, res.stderr);
    const events = res.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(events.length >= 10);
    for (const e of events) {
      assert.equal(e.resourceType, "AuditEvent");
      assert.match(e.id, /^[0-9a-f-]{36}$/);
      assert.match(e.recorded, /^\d{4}-\d\d-\d\dT/);
      assert.ok(["0", "4"].includes(e.outcome));
      assert.ok(e.agent[0].who.identifier.value);
      assert.ok(e.source.observer);
    }
    const glass = events.find((e) => e.meta.tag.some((t: { code: string }) => t.code === "break-glass"));
    assert.ok(glass);
    assert.equal(glass.purposeOfEvent[0].coding[0].code, "ETREAT");
    assert.deepEqual(
      glass.entity.map((x: { what: { reference: string } }) => x.what.reference),
      [`Patient/${stranger.personId}`],
    );
    const denied = events.find((e) => e.outcome === "4" && e.subtype[0].code === "view");
    assert.ok(denied);
    assert.equal(denied.outcomeDesc, "no legitimate relationship");
    const wrong = await cli.run(["audit", "export", "--format", "csv"], env);
    assert.equal(wrong.code, 2);
  });

  test("audit verify passes on the untouched trail, then names the one row that was tampered with", async () => {
    const ok = await cli.run(["audit", "verify"], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /The audit trail is intact: \d+ rows/);
    const seq = await withDatabase(database, async (db) => {
      const rows = await db.query<{ seq: number }>(
        "SELECT seq FROM audit_event WHERE flagged ORDER BY seq LIMIT 1",
      );
      await db.transaction(async (tx) => {
        await tx.exec("ALTER TABLE audit_event DISABLE TRIGGER USER");
        // Someone hides the break-glass: the row says the access was a routine one.
        await tx.query("UPDATE audit_event SET flagged = false, relationship = 'caseload' WHERE seq = $1", [
          rows[0].seq,
        ]);
        await tx.exec("ALTER TABLE audit_event ENABLE TRIGGER USER");
      });
      return rows[0].seq;
    });
    const bad = await cli.run(["audit", "verify"], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /TAMPERED/);
    assert.match(
      bad.stdout,
      new RegExp(`audit row ${seq} \\(event [0-9a-f-]+\\) was changed after it was written`),
    );
    const json = JSON.parse((await cli.run(["audit", "verify", "--json"], env)).stdout) as {
      ok: boolean;
      problems: { seq: number }[];
    };
    assert.equal(json.ok, false);
    assert.deepEqual(
      json.problems.map((p) => p.seq),
      [seq],
    );
  });
});
