// HL7v2 (pipe-and-hat) messages: parsing that honours the delimiters declared in MSH, escape sequences,
// repetitions, components and sub-components; and encoding, the exact inverse for the values it is given.
//
// A parsed field keeps its repetitions, each a list of components, each a list of sub-components, all
// unescaped. Positions are 1-based as in the standard: for MSH, field 1 is the field separator itself and
// field 2 the encoding characters, so MSH-9 is the message type wherever the separators say it is.

import { OnePlaceError } from "../../core/errors.ts";

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_DELIMITERS: Delimiters = Object.freeze({
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
});

/** One repetition: components, each made of sub-components. */
export type Repetition = string[][];
export type Field = Repetition[];

export interface Segment {
  name: string;
  /** fields[1] is field 1. For MSH, fields[1] is the field separator and fields[2] the encoding characters. */
  fields: Field[];
}

export interface Message {
  delimiters: Delimiters;
  segments: Segment[];
}

export class Hl7ParseError extends OnePlaceError {
  override readonly name = "Hl7ParseError";
  /** Where the problem is, as an HL7 error location: segment, its sequence, field (when known). */
  readonly location: { segment: string; sequence: number; field?: number } | null;
  constructor(message: string, location: Hl7ParseError["location"] = null) {
    super("invalid", "ingest.hl7-parse", message);
    this.location = location;
  }
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

/** Splits on CR, and also tolerates LF and CRLF, which file transfers and some engines introduce. */
function splitSegments(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((s) => s.length > 0);
}

function readDelimiters(msh: string): Delimiters {
  if (!msh.startsWith("MSH") || msh.length < 8) {
    throw new Hl7ParseError("The message does not start with an MSH segment", {
      segment: "MSH",
      sequence: 1,
    });
  }
  const field = msh[3];
  const encoding = msh.slice(4, msh.indexOf(field, 4) === -1 ? undefined : msh.indexOf(field, 4));
  if (encoding.length < 4) {
    throw new Hl7ParseError(
      `MSH-2 must declare four encoding characters (component, repetition, escape, sub-component), got ${JSON.stringify(encoding)}`,
      { segment: "MSH", sequence: 1, field: 2 },
    );
  }
  const d: Delimiters = {
    field,
    component: encoding[0],
    repetition: encoding[1],
    escape: encoding[2],
    subcomponent: encoding[3],
  };
  const all = [d.field, d.component, d.repetition, d.escape, d.subcomponent];
  if (new Set(all).size !== 5 || all.some((c) => /[A-Za-z0-9\r\n]/.test(c))) {
    throw new Hl7ParseError("MSH declares delimiters that are repeated, alphanumeric or line breaks", {
      segment: "MSH",
      sequence: 1,
      field: 2,
    });
  }
  return d;
}

const HEX_PAIR = /^(?:[0-9A-Fa-f]{2})+$/;

/** Resolves escape sequences: \F\ \S\ \T\ \R\ \E\, \Xhh..\ (bytes, read as Latin-1 or UTF-8), \.br\ as a line break. */
export function unescapeValue(text: string, d: Delimiters): string {
  if (!text.includes(d.escape)) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== d.escape) {
      out += c;
      i++;
      continue;
    }
    const end = text.indexOf(d.escape, i + 1);
    if (end === -1) {
      // An escape character with no closing one: keep it as text rather than lose data.
      out += text.slice(i);
      break;
    }
    const seq = text.slice(i + 1, end);
    if (seq === "F") out += d.field;
    else if (seq === "S") out += d.component;
    else if (seq === "T") out += d.subcomponent;
    else if (seq === "R") out += d.repetition;
    else if (seq === "E") out += d.escape;
    else if (seq === ".br") out += "\n";
    else if (seq === "H" || seq === "N") {
      // Highlighting on and off: formatting only.
    } else if (seq.startsWith("X") && HEX_PAIR.test(seq.slice(1))) {
      out += Buffer.from(seq.slice(1), "hex").toString("utf8");
    } else out += text.slice(i, end + 1);
    i = end + 1;
  }
  return out;
}

/** Escapes delimiters (and line breaks, which would end the segment) in a value. */
export function escapeValue(value: string, d: Delimiters): string {
  let out = "";
  for (const c of value) {
    if (c === d.escape) out += `${d.escape}E${d.escape}`;
    else if (c === d.field) out += `${d.escape}F${d.escape}`;
    else if (c === d.component) out += `${d.escape}S${d.escape}`;
    else if (c === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (c === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (c === "\r" || c === "\n") {
      out += `${d.escape}X${Buffer.from(c).toString("hex").toUpperCase()}${d.escape}`;
    } else out += c;
  }
  return out;
}

/**
 * An empty field, one for every message: most of a segment's fields are empty (PV1 has 52), and a parsed message
 * is read, never changed. Frozen, so nothing can change it for the others.
 */
const EMPTY_FIELD = Object.freeze([Object.freeze([Object.freeze([""])])]) as unknown as Field;

// Split only where a delimiter is: most fields hold one plain value.
function parseField(text: string, d: Delimiters): Field {
  if (text === "") return EMPTY_FIELD;
  if (!text.includes(d.repetition)) return [parseRepetition(text, d)];
  return text.split(d.repetition).map((rep) => parseRepetition(rep, d));
}

function parseRepetition(text: string, d: Delimiters): Repetition {
  if (!text.includes(d.component)) return [parseComponent(text, d)];
  return text.split(d.component).map((comp) => parseComponent(comp, d));
}

function parseComponent(text: string, d: Delimiters): string[] {
  if (!text.includes(d.subcomponent)) return [unescapeValue(text, d)];
  return text.split(d.subcomponent).map((s) => unescapeValue(s, d));
}

function parseSegment(line: string, d: Delimiters, sequence: number): Segment {
  const name = line.slice(0, 3);
  if (!SEGMENT_NAME.test(name) || (line.length > 3 && line[3] !== d.field)) {
    throw new Hl7ParseError(
      `Segment ${sequence} does not start with a segment name: ${JSON.stringify(line.slice(0, 8))}`,
      {
        segment: name,
        sequence,
      },
    );
  }
  const fields: Field[] = [[[[name]]]];
  if (name === "MSH") {
    // MSH-1 is the separator and MSH-2 the encoding characters, taken literally.
    const parts = line.slice(4).split(d.field);
    fields.push([[[d.field]]]);
    fields.push([[[parts[0]]]]);
    for (const p of parts.slice(1)) fields.push(parseField(p, d));
  } else {
    const parts = line.length > 4 ? line.slice(4).split(d.field) : [];
    for (const p of parts) fields.push(parseField(p, d));
  }
  return { name, fields };
}

/** Parses one message. Throws Hl7ParseError saying where the problem is. */
export function parseMessage(text: string): Message {
  const lines = splitSegments(text.replace(/^\uFEFF/, ""));
  if (lines.length === 0) throw new Hl7ParseError("The message is empty");
  const delimiters = readDelimiters(lines[0]);
  return { delimiters, segments: lines.map((l, i) => parseSegment(l, delimiters, i + 1)) };
}

/** The first segment with this name (or the nth, counting from 1). */
export function segment(m: Message, name: string, nth = 1): Segment | undefined {
  let seen = 0;
  for (const s of m.segments) if (s.name === name && ++seen === nth) return s;
  return undefined;
}

export function segments(m: Message, name: string): Segment[] {
  return m.segments.filter((s) => s.name === name);
}

/** A value by position: field, repetition, component, sub-component (1-based); "" when absent. */
export function value(s: Segment | undefined, field: number, component = 1, sub = 1, repetition = 1): string {
  return s?.fields[field]?.[repetition - 1]?.[component - 1]?.[sub - 1] ?? "";
}

/** Every repetition of a field. */
export function repetitions(s: Segment | undefined, field: number): Repetition[] {
  const f = s?.fields[field];
  if (!f) return [];
  return f.filter((rep) => rep.some((c) => c.some((sub) => sub.length > 0)));
}

/** A component of one repetition (1-based), "" when absent. */
export function componentOf(rep: Repetition, component: number, sub = 1): string {
  return rep[component - 1]?.[sub - 1] ?? "";
}

// ---- Building messages -------------------------------------------------------------------------------

/**
 * A value to encode: a string is one component; an array is components, each a string or an array of
 * sub-components; a RepeatedValue is several repetitions.
 */
export type ComponentValue = string | readonly string[];
export type FieldValue =
  | string
  | readonly ComponentValue[]
  | { repeat: readonly (string | readonly ComponentValue[])[] };

function encodeRepetition(v: string | readonly ComponentValue[], d: Delimiters): string {
  if (typeof v === "string") return escapeValue(v, d);
  return v
    .map((c) =>
      typeof c === "string" ? escapeValue(c, d) : c.map((s) => escapeValue(s, d)).join(d.subcomponent),
    )
    .join(d.component);
}

export function encodeField(v: FieldValue | null | undefined, d: Delimiters): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object" && "repeat" in v)
    return v.repeat.map((r) => encodeRepetition(r, d)).join(d.repetition);
  return encodeRepetition(v as string | readonly ComponentValue[], d);
}

/** One segment; trailing empty fields are dropped. For MSH, give fields from MSH-3 on. */
export function encodeSegment(
  name: string,
  fields: readonly (FieldValue | null | undefined)[],
  d: Delimiters,
): string {
  const encoded = fields.map((f) => encodeField(f, d));
  while (encoded.length > 0 && encoded[encoded.length - 1] === "") encoded.pop();
  if (name === "MSH") {
    const enc = `${d.component}${d.repetition}${d.escape}${d.subcomponent}`;
    return `MSH${d.field}${enc}${encoded.length ? d.field : ""}${encoded.join(d.field)}`;
  }
  return encoded.length ? `${name}${d.field}${encoded.join(d.field)}` : name;
}

/** Segments joined by CR, the HL7 segment terminator. */
export function encodeMessage(segmentLines: readonly string[]): string {
  return `${segmentLines.join("\r")}\r`;
}

/** HL7 DTM: YYYYMMDDHHMMSS from an ISO instant; the zone offset is dropped after conversion to UTC (+0000). */
export function hl7Timestamp(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

const DTM = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$/;

/**
 * An HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]) as an ISO instant in UTC, or null when it is not one.
 * A time without an offset is English local time (Europe/London), as patient administration systems in
 * England send it: 10:15 in July is 09:15 UTC.
 */
export function parseHl7Timestamp(text: string): string | null {
  const m = DTM.exec(text.trim());
  if (!m) return null;
  const [, y, mo = "01", da = "01", h = "00", mi = "00", s = "00", zone] = m;
  const month = Number(mo);
  const day = Number(da);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return null;
  }
  const base = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCMonth() !== month - 1) return null;
  let instant: number;
  if (zone) {
    const sign = zone[0] === "-" ? -1 : 1;
    instant = base - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  } else {
    instant = fromLondonWallClock(base);
  }
  return new Date(instant).toISOString().replace(".000Z", "Z");
}

const LONDON_PARTS = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** How far English local time is ahead of UTC at an instant, in milliseconds (0 in winter, 1 hour in summer). */
function londonOffsetMs(instant: number): number {
  const part: Record<string, number> = {};
  for (const p of LONDON_PARTS.formatToParts(instant))
    if (p.type !== "literal") part[p.type] = Number(p.value);
  const asUtc = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in England (given as if it were UTC): summer time (+1 hour) where that
 * reading is consistent, else winter time. So in the hour repeated when the clocks go back it is the first
 * (summer) one, and a time in the hour skipped in spring is read as winter time, as an unchanged clock shows it.
 */
function fromLondonWallClock(wallAsUtc: number): number {
  for (const offset of [3_600_000, 0]) {
    const instant = wallAsUtc - offset;
    if (londonOffsetMs(instant) === offset) return instant;
  }
  return wallAsUtc;
}

/** An HL7 date (YYYYMMDD, or the date part of a DTM) as YYYY-MM-DD, or null. */
export function parseHl7Date(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(text.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

/**
 * What a message says, as text to hash for telling duplicates: its values after unescaping, with trailing
 * empty parts dropped and without the parts a sender changes when it sends the same message again (MSH-1 and
 * MSH-2, the delimiters; MSH-7, the time of sending; MSH-18, the character set). So the same message
 * re-encoded, with other line endings or re-stamped is the same content, and any change of value is not.
 */
export function messageContent(m: Message): string {
  // JSON of the values with every list's trailing empty entries dropped, written as it goes (no trimmed copies):
  // [segment, ...], each [field, ...], each [repetition, ...], each [component, ...], each [sub-component, ...].
  let out = "";
  for (const s of m.segments) {
    const list = new JsonList();
    s.fields.forEach((field, i) => {
      const ignored = s.name === "MSH" && (i === 1 || i === 2 || i === 7 || i === 18);
      list.add(ignored || field === EMPTY_FIELD ? null : fieldJson(field));
    });
    out += `${out ? "," : ""}${list.json() ?? "[]"}`;
  }
  return `[${out}]`;
}

/** A JSON list of entries, an empty one ([]) written only when a later entry is not empty. */
class JsonList {
  #body = "";
  #count = 0;
  #pending = 0;
  add(json: string | null): void {
    if (json === null) {
      this.#pending++;
      return;
    }
    for (; this.#pending > 0; this.#pending--) this.#body += this.#count++ > 0 ? ",[]" : "[]";
    this.#body += this.#count++ > 0 ? `,${json}` : json;
  }
  /** The list, or null when every entry was empty. */
  json(): string | null {
    return this.#count > 0 ? `[${this.#body}]` : null;
  }
}

function fieldJson(field: Field): string | null {
  const reps = new JsonList();
  for (const rep of field) {
    const comps = new JsonList();
    for (const comp of rep) {
      let subs = comp.length;
      while (subs > 0 && comp[subs - 1] === "") subs--;
      let json = "";
      for (let k = 0; k < subs; k++) json += `${k > 0 ? "," : ""}${JSON.stringify(comp[k])}`;
      comps.add(subs > 0 ? `[${json}]` : null);
    }
    reps.add(comps.json());
  }
  return reps.json();
}
