// The identity events through the command line, as an integration engineer meets them: `oneplace ingest hl7`
// loads a PAS file whose A45 moves a visit onto a patient first seen in it; `oneplace mpi review` lists the move
// waiting (the event, the visit, the record it moves onto, why); `oneplace mpi link` moves it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Db } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";

let database: TestDatabase;
let dir: string;
before(async () => {
  database = await createTestDatabase({ migrated: true });
  dir = mkdtempSync(join(tmpdir(), "oneplace-hl7-identity-cli-"));
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const cli = (...args: string[]) => runCli(args, database.env);
const inCliPlace = <T>(fn: (db: Db) => Promise<T>) => withDatabase(database, fn);

const msh = (event: string, id: string, at: string) =>
  `MSH|^~\\&|CLIPAS|RX1|ONEPLACE|ONEPLACE|${at}||ADT^${event}|${id}|P|2.4|||AL|NE|GBR\rEVN|${event}|${at}||||${at}`;
function pv1(fields: Record<number, string>): string {
  const f: string[] = ["PV1", "1"];
  for (const [n, v] of Object.entries(fields)) f[Number(n)] = v;
  return Array.from(f, (x) => x ?? "").join("|");
}
const AT = "20140601100000+0100";

test("ingest hl7 then mpi review and mpi link: an A45 onto a patient first seen in the file waits, is listed with what it asks, and moves when linked", async () => {
  const file = join(dir, "moves.hl7");
  writeFileSync(
    file,
    [
      `${msh("A01", "c1", AT)}\rPID|1||RXC1^^^RX1^MR||FIRST^ANN||19470707|F\r${pv1({ 2: "I", 3: "WARDC^^^RX1", 4: "21", 10: "300", 19: "VC1", 44: AT })}`,
      `${msh("A45", "c2", "20140602100000+0100")}\rPID|1||RXC2^^^RX1^MR||SECOND^BETH||19580808|F\rMRG|RXC1^^^RX1^MR||VC1||VC1\r${pv1({ 2: "I", 19: "VC1" })}`,
    ].join("\r\n"),
  );
  const load = await cli("ingest", "hl7", file, "-q");
  assert.equal(load.code, 0, load.stderr);
  assert.match(
    load.stdout,
    /2 read, 2 loaded, 0 already there, 0 held, 0 rejected, 0 unsupported/,
    load.stdout,
  );

  const review = await cli("mpi", "review");
  assert.equal(review.code, 0, review.stderr);
  assert.match(review.stdout, /clipas record RXC1/);
  assert.match(
    review.stdout,
    /A45: move visit VC1 onto record RXC2 \(the candidate\); record RXC2 \(PID-3\) was first seen/,
  );
  const listed = JSON.parse((await cli("mpi", "review", "--json")).stdout) as {
    reviewId: string;
    kind: string;
  }[];
  const item = listed.find((i) => i.kind === "visit-move");
  assert.ok(item);

  const spellOwner = () =>
    inCliPlace(async (db) => {
      const [row] = await db.query<{ source_record_id: string }>(
        `SELECT l.source_record_id FROM hospital_spell s JOIN mpi_record_link l ON l.person_id = s.person_id
         WHERE s.source_system = 'clipas' AND s.source_record_id = 'VC1' AND l.source_system = 'clipas'`,
      );
      return row?.source_record_id;
    });
  assert.equal(await spellOwner(), "RXC1", "waiting: still the first patient's");
  const linked = await cli("mpi", "link", item.reviewId);
  assert.equal(linked.code, 0, linked.stderr);
  assert.equal(await spellOwner(), "RXC2", "moved by the engineer's decision");
});
