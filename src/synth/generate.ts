import type { Rng } from "../core/rng.ts";
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
export function simulatePerson(
  ctx: GenerationContext,
  index: number,
  rng: Rng = ctx.root.fork(`person:${index}`),
): PersonParts {
  const idRng = rng.fork("ids");
  const base = createPersonBase(ctx, index, rng, idRng);
  const life = simulateLife(ctx, base, rng.fork("life"));
  const gp = gpRecord(ctx, base, life, rng.fork("gp"));
  const records = sourceRecords(ctx, base, life, rng.fork("records"));
  return { base, life, gp, records };
}

/** Every place's organisations, sites and areas, before anyone's rows: people refer to them. */
export async function generateReference(region: readonly GenerationContext[], sink: RowSink): Promise<void> {
  for (const ctx of region) {
    for (const [table, row] of referenceRows(ctx)) {
      const wait = sink.add(table, row);
      if (wait) await wait;
    }
  }
}

/** Everyone in the region's history, counting every place's people. */
export function regionPeople(region: readonly GenerationContext[]): number {
  return region.reduce((n, ctx) => n + totalPeople(ctx), 0);
}

/**
 * The rows of the people whose region-wide index is in [from, to), person by person in index order (place by
 * place). onPerson is told after each person.
 */
export async function generatePeople(
  region: readonly GenerationContext[],
  from: number,
  to: number,
  sink: RowSink,
  onPerson?: () => Promise<void> | undefined,
): Promise<void> {
  let placeStart = 0;
  for (const ctx of region) {
    const people = totalPeople(ctx);
    const first = Math.max(from - placeStart, 0);
    const end = Math.min(to - placeStart, people);
    for (let index = first; index < end; index++) {
      // A fork depends on its stream's seed alone, not on what was drawn from it: one person stream serves both.
      const personRng = ctx.root.fork(`person:${index}`);
      const parts = simulatePerson(ctx, index, personRng);
      const idRng = personRng.fork("row-ids");
      for (const [table, row] of personRows(ctx, parts, idRng)) {
        const wait = sink.add(table, row);
        if (wait) await wait;
      }
      const wait = onPerson?.();
      if (wait) await wait;
    }
    placeStart += people;
  }
}

/**
 * Generates the whole place (every place of a region, one after another), reference data first, then person
 * by person, so memory stays flat however many people there are. The same configuration always produces the
 * same rows in the same order. (parallel.ts makes the same rows on several threads.)
 */
export async function generatePlace(
  config: SynthConfig,
  sink: RowSink,
  onProgress?: (peopleDone: number, peopleTotal: number) => void,
): Promise<void> {
  const region = createRegion(config);
  await generateReference(region, sink);
  const total = regionPeople(region);
  let done = 0;
  await generatePeople(region, 0, total, sink, () => {
    done++;
    if (onProgress && (done % PROGRESS_EVERY === 0 || done === total)) onProgress(done, total);
    return done % YIELD_EVERY === 0 ? yieldToEventLoop() : undefined;
  });
}
