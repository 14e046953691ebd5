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

// Texts made once a thread and kept: a place's rows name the same few tens of thousands of days (and the
// nightly extracts' times) millions of times, and every string made is garbage to collect; a kept one is also
// the same string again, which the COPY encoder recognises without reading it (store/copy-binary.ts).
/** The days kept: 1750-12-20 to 2189-01-11 (a day outside is formatted each time). */
const CACHED_DAYS_FROM = -80_000;
const CACHED_DAYS = 160_000;
const dayTexts = new Array<string | undefined>(CACHED_DAYS);
const nightlyTexts = new Array<string | undefined>(CACHED_DAYS);
const timeTexts = new Array<string | undefined>(SECONDS_PER_DAY);

/** "2013-04-06", as core's fromDayNumber writes it. */
export function dateText(day: number): string {
  const k = day - CACHED_DAYS_FROM;
  if (!(k >= 0 && k < CACHED_DAYS && Number.isInteger(k))) return fromDayNumber(day);
  dayTexts[k] ??= fromDayNumber(day);
  return dayTexts[k];
}

/** "2013-04-06T02:00:00Z" */
export function formatInstant(instantSeconds: number): string {
  const day = Math.floor(instantSeconds / SECONDS_PER_DAY);
  const s = instantSeconds - day * SECONDS_PER_DAY;
  if (!Number.isInteger(s)) return `${fromDayNumber(day)}T${timeOfDay(s)}`;
  timeTexts[s] ??= `T${timeOfDay(s)}`;
  return dateText(day) + timeTexts[s];
}

function timeOfDay(seconds: number): string {
  let s = seconds;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  return `${pad2(h)}:${pad2(m)}:${pad2(s - m * 60)}Z`;
}

/** A batch extract that runs at 02:00 the night after the event (GP, community, social care systems). */
export function nightlyExtractAt(eventDay: number): string {
  const k = eventDay - CACHED_DAYS_FROM;
  const at = instant(eventDay + 1, 2 * 3600);
  if (!(k >= 0 && k < CACHED_DAYS && Number.isInteger(k))) return formatInstant(at);
  nightlyTexts[k] ??= formatInstant(at);
  return nightlyTexts[k];
}

/** A message sent as the event happens (ADT-style hospital feeds): a few seconds after it. */
export function messageAt(eventInstant: number, delaySeconds: number): string {
  return formatInstant(eventInstant + delaySeconds);
}
