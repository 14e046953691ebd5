import type { NamedRow, Table } from "../store/index.ts";
import type { SynthConfig } from "./config.ts";
import { createRegion, type GenerationContext, totalPeople } from "./context.ts";
import { gpRecord } from "./gp-record.ts";
import { simulateLife } from "./life.ts";
import { createPersonBase } from "./person-model.ts";
import { type PersonParts, personRows } from "./person-rows.ts";
import { referenceRows } from "./reference-rows.ts";
import { sourceRecords } from "./source-records.ts";

/** Where generated rows go: a BulkLoader, a set of files, a counter. add() may return a promise to wait on. */
export interface RowSink {
  add(table: Table, row: NamedRow): Promise<void> | undefined;
}

const PROGRESS_EVERY = 2000;
/**
 * How often the generator lets the event loop run. Without it, a loader writing to a database server would
 * only get to start its next COPY when the generator waits for back-pressure, and the two would take turns
 * instead of overlapping.
 */
const YIELD_EVERY = 50;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Simulates one person: their own random streams make the result independent of everyone else. */
export function simulatePerson(ctx: GenerationContext, index: number): PersonParts {
  const rng = ctx.root.fork(`person:${index}`);
  const idRng = rng.fork("ids");
  const base = createPersonBase(ctx, index, rng, idRng);
  const life = simulateLife(ctx, base, rng.fork("life"));
  const gp = gpRecord(ctx, base, life, rng.fork("gp"));
  const records = sourceRecords(ctx, base, life, rng.fork("records"));
  return { base, life, gp, records };
}

/**
 * Generates the whole place (every place of a region, one after another), reference data first, then person
 * by person, so memory stays flat however many people there are. The same configuration always produces the
 * same rows in the same order.
 */
export async function generatePlace(
  config: SynthConfig,
  sink: RowSink,
  onProgress?: (peopleDone: number, peopleTotal: number) => void,
): Promise<void> {
  const region = createRegion(config);
  // Every place's organisations, sites and areas before anyone's rows: people refer to them.
  for (const ctx of region) {
    for (const [table, row] of referenceRows(ctx)) {
      const wait = sink.add(table, row);
      if (wait) await wait;
    }
  }
  const total = region.reduce((n, ctx) => n + totalPeople(ctx), 0);
  let done = 0;
  for (const ctx of region) {
    const people = totalPeople(ctx);
    for (let index = 0; index < people; index++) {
      const parts = simulatePerson(ctx, index);
      const idRng = ctx.root.fork(`person:${index}`).fork("row-ids");
      for (const [table, row] of personRows(ctx, parts, idRng)) {
        const wait = sink.add(table, row);
        if (wait) await wait;
      }
      done++;
      if (onProgress && (done % PROGRESS_EVERY === 0 || done === total)) onProgress(done, total);
      if (done % YIELD_EVERY === 0) await yieldToEventLoop();
    }
  }
}
