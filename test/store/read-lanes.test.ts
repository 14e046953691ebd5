// Read lanes (the grouped token look-ups and FHIR reads): a caller who asks while a batch is in flight starts the
// next batch at once on another lane instead of waiting for the running one to end; only when every lane has a
// batch in flight do callers wait, together, for the next. Each answer is read by a batch that started after
// its caller asked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Db, GroupedLookup } from "../../src/store/index.ts";
import { ReadLanes } from "../../src/store/read-lanes.ts";

/** A read whose batches each wait until released, recording what each batch asked and when it started. */
function heldReads() {
  const batches: { keys: string[]; release: () => void }[] = [];
  const lanes = new ReadLanes<string, string>({
    maxBatch: 100,
    read: (keys) =>
      new Promise((resolve) => {
        const version = batches.length + 1;
        batches.push({ keys, release: () => resolve(keys.map((k) => `${k}@${version}`)) });
      }),
  });
  return { lanes, batches };
}

const turn = () => new Promise((r) => setImmediate(r));

test("a caller who asks while one batch is in flight starts another at once", async () => {
  const { lanes, batches } = heldReads();
  const first = [lanes.submit("a"), lanes.submit("b")];
  await turn();
  assert.deepEqual(
    batches.map((b) => b.keys),
    [["a", "b"]],
    "the callers of one turn go together",
  );
  const second = lanes.submit("c");
  await turn();
  assert.deepEqual(
    batches.map((b) => b.keys),
    [["a", "b"], ["c"]],
    "the second batch started while the first was still in flight",
  );
  // Both lanes busy: later callers wait, together, behind the batch that started first.
  const third = [lanes.submit("d"), lanes.submit("e")];
  await turn();
  assert.equal(batches.length, 2);
  batches[0].release();
  assert.deepEqual(await Promise.all(first), ["a@1", "b@1"]);
  await turn();
  assert.deepEqual(
    batches[2]?.keys,
    ["d", "e"],
    "the waiting callers went as one batch once a lane was free",
  );
  batches[1].release();
  assert.equal(await second, "c@2");
  batches[2].release();
  assert.deepEqual(await Promise.all(third), ["d@3", "e@3"]);
});

test("a caller never joins a batch that has started", async () => {
  const { lanes, batches } = heldReads();
  const first = lanes.submit("a");
  await turn();
  const second = lanes.submit("a");
  const third = lanes.submit("a");
  await turn();
  assert.deepEqual(
    batches.map((b) => b.keys),
    [["a"], ["a", "a"]],
  );
  for (const b of batches) b.release();
  assert.deepEqual(await Promise.all([first, second, third]), ["a@1", "a@2", "a@2"]);
});

test("a token look-up asked while another is in flight does not wait for it (GroupedLookup)", async () => {
  const started: string[][] = [];
  const held: (() => void)[] = [];
  const lookup = new GroupedLookup<string, string>(
    (_db, keys) =>
      new Promise((resolve) => {
        started.push(keys);
        held.push(() => resolve(new Map(keys.map((k) => [k, `${k}@${started.length}`]))));
      }),
  );
  // A database handle (not a transaction), which is what batches: the look-up function never touches it.
  const db = { transaction: () => Promise.reject(new Error("unused")) } as unknown as Db;
  const first = lookup.get(db, "token");
  await turn();
  const second = lookup.get(db, "token");
  await turn();
  assert.equal(started.length, 2, "the second look-up started while the first was in flight");
  for (const release of held) release();
  assert.deepEqual(await Promise.all([first, second]), ["token@2", "token@2"]);
});
