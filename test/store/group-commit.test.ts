// The group commit the audit log and the MLLP listener share: what is asked for together is written together,
// each caller answered only after its own batch, one failing item failing only its own caller.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupCommit } from "../../src/store/index.ts";

test("items asked for in one turn are written as one batch, in order, each answered with its own result", async () => {
  const batches: number[][] = [];
  const g = new GroupCommit<number, string>({
    maxBatch: 10,
    write: async (batch) => {
      batches.push(batch);
      return batch.map((n) => `done ${n}`);
    },
  });
  const results = await Promise.all([1, 2, 3].map((n) => g.submit(n)));
  assert.deepEqual(results, ["done 1", "done 2", "done 3"]);
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test("a failing batch is written again one item at a time: only the bad item's caller fails", async () => {
  const batches: number[][] = [];
  const g = new GroupCommit<number, number>({
    maxBatch: 10,
    write: async (batch) => {
      batches.push(batch);
      if (batch.includes(2)) throw new Error("item 2 is refused");
      return batch.map((n) => n * 10);
    },
  });
  const settled = await Promise.allSettled([1, 2, 3].map((n) => g.submit(n)));
  assert.deepEqual(
    settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message)),
    [10, "item 2 is refused", 30],
  );
  assert.deepEqual(batches, [[1, 2, 3], [1], [2], [3]]);
});

test("while a batch is written the next gathers; no batch is larger than maxBatch", async () => {
  const batches: number[][] = [];
  let release: () => void = () => {};
  const g = new GroupCommit<number, number>({
    maxBatch: 2,
    write: async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return batch;
    },
  });
  const first = g.submit(1);
  await new Promise((r) => setImmediate(r));
  const rest = [2, 3, 4].map((n) => g.submit(n));
  assert.equal(g.depth, 3);
  release();
  await Promise.all([first, ...rest]);
  assert.deepEqual(batches, [[1], [2, 3], [4]]);
  await g.whenIdle();
});

test("an idle queue waits gatherMs for more, but starts at once when ready() says nothing more can come", async () => {
  let senders = 0;
  const g = new GroupCommit<number, number>({
    maxBatch: 10,
    gatherMs: 5_000,
    ready: () => senders === 2,
    write: async (batch) => batch,
  });
  const started = performance.now();
  senders = 1;
  const a = g.submit(1);
  senders = 2;
  const b = g.submit(2);
  assert.deepEqual(await Promise.all([a, b]), [1, 2]);
  assert.ok(performance.now() - started < 2_000, "did not wait out the 5 s gather");
});
