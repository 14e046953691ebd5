// Feed health for pages: counted once per half minute and shared; an old count is served while a fresh one
// runs, so only the very first caller waits for the scan.
import assert from "node:assert/strict";
import { test } from "node:test";
import { recentFeedHealth } from "../../src/ingest/index.ts";
import type { Queryable } from "../../src/store/index.ts";

test("one count per window, shared; an old one is served while the next is counted", async () => {
  let counts = 0;
  const q = {
    async query() {
      counts++;
      return [
        {
          source_system: `source-${counts}`,
          last_at: null,
          received: 0,
          rejected: 0,
          open_rejects: 0,
          held: 0,
          reviews: 0,
          lag: null,
        },
      ];
    },
  } as unknown as Queryable;
  const t0 = 1_000_000;
  const first = await recentFeedHealth(q, 30_000, t0);
  assert.equal(first.feeds[0].sourceSystem, "source-1");
  const again = await recentFeedHealth(q, 30_000, t0 + 10_000);
  assert.equal(again.feeds[0].sourceSystem, "source-1");
  assert.equal(counts, 1, "within the window nothing is counted again");
  const stale = await recentFeedHealth(q, 30_000, t0 + 40_000);
  assert.equal(stale.feeds[0].sourceSystem, "source-1", "the old count is served at once");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(counts, 2, "while a fresh count ran");
  const fresh = await recentFeedHealth(q, 30_000, Date.now());
  assert.equal(fresh.feeds[0].sourceSystem, "source-2");
});
