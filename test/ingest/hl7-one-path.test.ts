// One path for ADT: a batch that fails unexpectedly is applied again one message at a time, each as a batch of
// one through the same code, so the outcomes, rows and rejects are the same as the batch's would have been.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyHl7Batch } from "../../src/ingest/hl7/many.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { useTestDb } from "../helpers/test-db.ts";

const place = useTestDb();

const msg = (control: string, event: string, pid: string, pv1 = "") =>
  [
    `MSH|^~\\&|PATH-PAS|RX1|ONEPLACE|ONEPLACE|20140601100000+0100||ADT^${event}|${control}|P|2.4|||AL|NE|GBR`,
    `EVN|${event}|20140601100000+0100`,
    pid,
    ...(pv1 ? [pv1] : []),
  ].join("\r");

const messages = (prefix: string) => [
  msg(`${prefix}1`, "A28", `PID|1||${prefix}P1^^^RX1^MR||ONE^ANN||19500101|F`),
  msg(
    `${prefix}2`,
    "A01",
    `PID|1||${prefix}P1^^^RX1^MR||ONE^ANN||19500101|F`,
    `PV1|1|I|AMU^^^RX1|21||||||300|||||||||${prefix}V1|||||||||||||||||||||||||20140601093000+0100`,
  ),
  msg(`${prefix}3`, "A28", `PID|1||${prefix}P2^^^RX1^MR||||19500101|F`), // no name: refused
  msg(`${prefix}1`, "A28", `PID|1||${prefix}P1^^^RX1^MR||ONE^ANN||19500101|F`), // the first again
];

async function outcomesOf(prefix: string, failFirstCommit: boolean) {
  let failures = 0;
  let commits = 0;
  const internal: unknown[] = [];
  const out = await applyHl7Batch(
    place.db,
    messages(prefix).map((raw) => ({ raw, ctx: { origin: "test" } })),
    (e) => internal.push(e),
    async () => {
      commits++;
      if (failFirstCommit && failures++ === 0) throw new Error("an unexpected failure");
    },
  );
  const spells = await place.db.query(
    "SELECT 1 FROM hospital_spell WHERE source_system = 'path-pas' AND source_record_id = $1",
    [`${prefix}V1`],
  );
  const rejects = (await listRejects(place.db, { sourceSystem: "path-pas", status: "open" })).filter((r) =>
    r.originKey.startsWith(`${prefix}3#`),
  );
  return {
    codes: out.map((o) => [o.code, o.applied, o.duplicate]),
    spells: spells.length,
    rejects: rejects.length,
    internal: internal.length,
    commits,
  };
}

test("a batch that fails unexpectedly is applied message by message through the same path, with the same outcomes", async () => {
  const batch = await outcomesOf("b", false);
  const fallback = await outcomesOf("f", true);
  assert.deepEqual(batch.codes, [
    ["AA", true, false],
    ["AA", true, false],
    ["AE", false, false],
    ["AA", false, true],
  ]);
  assert.deepEqual([batch.spells, batch.rejects, batch.internal, batch.commits], [1, 1, 0, 1]);
  assert.deepEqual(fallback.codes, batch.codes);
  assert.deepEqual([fallback.spells, fallback.rejects, fallback.internal, fallback.commits], [1, 1, 1, 2]);
});
