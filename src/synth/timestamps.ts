import { fromDayNumber } from "../core/dates.ts";

// Event times are whole seconds since 1970-01-01T00:00Z ("instants"); dates are day numbers (core/dates.ts).
// received_at is always derived from the event, so the same seed gives the same provenance times.

export const SECONDS_PER_DAY = 86_400;

export function instant(day: number, secondsIntoDay: number): number {
  return day * SECONDS_PER_DAY + secondsIntoDay;
}

export function dayOf(instantSeconds: number): number {
  return Math.floor(instantSeconds / SECONDS_PER_DAY);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** "2013-04-06T02:00:00Z" */
export function formatInstant(instantSeconds: number): string {
  const day = Math.floor(instantSeconds / SECONDS_PER_DAY);
  let s = instantSeconds - day * SECONDS_PER_DAY;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  return `${fromDayNumber(day)}T${pad2(h)}:${pad2(m)}:${pad2(s - m * 60)}Z`;
}

/** A batch extract that runs at 02:00 the night after the event (GP, community, social care systems). */
export function nightlyExtractAt(eventDay: number): string {
  return formatInstant(instant(eventDay + 1, 2 * 3600));
}

/** A message sent as the event happens (ADT-style hospital feeds): a few seconds after it. */
export function messageAt(eventInstant: number, delaySeconds: number): string {
  return formatInstant(eventInstant + delaySeconds);
}
