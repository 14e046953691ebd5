// The pipelined group commit of the MLLP listener's lanes on a server: the next batch begins while the last
// commits, writes only after it, and a batch after one that failed is written again after that one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PipelinedCommit, PreviousBatchFailed, type Turn } from "../../src/store/index.ts";

const tick = () => new Promise((r) => setImmediate(r));

/** A writer that logs what it does: reads, waits for the batch before, lets the next begin, then commits. */
function recorder(options: { failFirstTry?: (batch: number[]) => boolean; hold?: Promise<void> } = {}) {
  const log: string[] = [];
  let open = 0;
  let maxOpen = 0;
  const write = async (batch: number[], turn: Turn): Promise<string[]> => {
    const name = batch.join("+");
    open++;
    maxOpen = Math.max(maxOpen, open);
    try {
      log.push(`read ${name}`);
      await tick();
      try {
        await turn.previous();
      } catch (error) {
        log.push(`rolled back ${name}`);
        throw error;
      }
      turn.next();
      if (name === "1") await options.hold;
      await tick();
      if (options.failFirstTry?.(batch)) {
        turn.failed();
        log.push(`failed ${name}`);
        throw new Error(`batch ${name} failed`);
      }
      log.push(`commit ${name}`);
      return batch.map((n) => `done ${n}`);
    } finally {
      open--;
    }
  };
  return { log, write, maxOpen: () => maxOpen };
}

test("the next batch is read while the last commits, and commits after it; never more than two in flight", async () => {
  let release: () => void = () => {};
  const hold = new Promise<void>((r) => (release = r));
  const r = recorder({ hold });
  const p = new PipelinedCommit<number, string>({ maxBatch: 10, write: r.write });
  const first = p.submit(1);
  await tick();
  const rest = [2, 3].map((n) => p.submit(n));
  await tick();
  await tick();
  await tick();
  // Batch 2+3 began (and read) while batch 1 was still writing.
  assert.deepEqual(r.log, ["read 1", "read 2+3"]);
  const later = p.submit(4);
  await tick();
  await tick();
  release();
  assert.deepEqual(await Promise.all([first, ...rest, later]), ["done 1", "done 2", "done 3", "done 4"]);
  assert.deepEqual(r.log, ["read 1", "read 2+3", "commit 1", "read 4", "commit 2+3", "commit 4"]);
  assert.equal(r.maxOpen(), 2);
  await p.whenIdle();
  assert.equal(p.depth, 0);
});

test("a batch after one that failed is rolled back and written again after it; the failed one item by item", async () => {
  const r = recorder({ failFirstTry: (batch) => batch.length > 1 && batch.includes(1) });
  const p = new PipelinedCommit<number, string>({ maxBatch: 2, write: r.write });
  const results = await Promise.all([1, 2, 3].map((n) => p.submit(n)));
  assert.deepEqual(results, ["done 1", "done 2", "done 3"]);
  // 1+2 failed; 3, begun meanwhile, rolled back; 1 and 2 alone; then 3 again: nothing committed out of order.
  assert.deepEqual(r.log.slice(0, 3), ["read 1+2", "read 3", "failed 1+2"]);
  assert.ok(r.log.includes("rolled back 3"));
  assert.deepEqual(
    r.log.filter((l) => l.startsWith("commit")),
    ["commit 1", "commit 2", "commit 3"],
  );
  assert.ok(r.log.lastIndexOf("read 3") > r.log.indexOf("commit 2"));
});

test("a batch that fails outright fails only its own callers; a writer told the batch before failed sees why", async () => {
  const p = new PipelinedCommit<number, number>({
    maxBatch: 5,
    write: async (batch, turn) => {
      await turn.previous();
      turn.next();
      if (batch.includes(2)) throw new Error("item 2 is refused");
      return batch.map((n) => n * 10);
    },
  });
  const settled = await Promise.allSettled([1, 2, 3].map((n) => p.submit(n)));
  assert.deepEqual(
    settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message)),
    [10, "item 2 is refused", 30],
  );
  assert.match(new PreviousBatchFailed().message, /written again after it/);
});
