import type { Rng } from "../../core/rng.ts";

// The faults of transport the feeds add to the place (the generator's own faults are in its rows already):
// events out of order, cancelled events, messages sent twice, and a few records damaged beyond use.

export interface FeedFaults {
  /** Share of discharged spells whose A03 is sent before their A01. */
  outOfOrder: number;
  /** Share of spells with a cancelled event (a premature discharge, a transfer, or a whole admission). */
  cancellations: number;
  /** Share of ADT messages sent twice. */
  duplicateMessages: number;
  /** Share of leaf records (coded entries, assessments, medicines, contacts) damaged beyond use. */
  corrupt: number;
}

export const DEFAULT_FEED_FAULTS: FeedFaults = Object.freeze({
  outOfOrder: 0.03,
  cancellations: 0.03,
  duplicateMessages: 0.01,
  corrupt: 0.002,
});

export interface DamagedRecord {
  table: string;
  sourceSystem: string;
  recordId: string;
}

/**
 * The one seeded stream every fault is drawn from, in the order the writers ask (so the order in which the
 * source writers run is part of the output), and the list of what was damaged.
 */
export interface FaultDice {
  readonly rng: Rng;
  readonly faults: FeedFaults;
  readonly damaged: DamagedRecord[];
  /** Whether this record is damaged (and if so, note it). */
  damage(table: string, sourceSystem: string, recordId: string): boolean;
}

export function faultDice(rng: Rng, faults: FeedFaults): FaultDice {
  const damaged: DamagedRecord[] = [];
  return {
    rng,
    faults,
    damaged,
    damage(table, sourceSystem, recordId) {
      if (!(rng.next() < faults.corrupt)) return false;
      damaged.push({ table, sourceSystem, recordId });
      return true;
    },
  };
}
