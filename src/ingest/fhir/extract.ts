import type { CodeableConcept, Coding, Reference } from "fhir/r4.js";
import {
  codeOf,
  codingIn,
  dateOf,
  fail,
  type MapContext,
  momentOf,
  orgOf,
  receivedAtOf,
  requireId,
  type SubjectRef,
  subjectOf,
} from "./fields.ts";

// The extractors a FHIR mapping declaration names for each catalogue column: where the value is (a FHIRPath-like
// path: `onsetPeriod.start`, `extension('<url>').valueCode`) and a named converter saying what is made of it (the
// code of a coding in a system, a dateTime's day, an instant, a reference to a person, an organisation code).
// Each is small and reused; a field that needs logic of its own has one named converter, never inline code.
// Docs (docs/formats/fhir.md) are written from `path` and `how`; declare.ts checks `optional` against the
// catalogue's nullability.

/** What an extractor reads: a resource, or an element of one (an Observation's component). */
export class Focus {
  readonly node: unknown;
  /** How a reason names where it looked: `Condition`, or `Observation.component[0]`. */
  readonly name: string;
  readonly ctx: MapContext;
  constructor(node: unknown, name: string, ctx: MapContext) {
    this.node = node;
    this.name = name;
    this.ctx = ctx;
  }
  /**
   * The extractor's value here, read once (a coding two columns take their parts of is found once). It is kept
   * in the extractor's cell, for the focus last read: nothing is allocated per resource for it (a memo per focus
   * cost more than the mapping), and a focus read in between (a component, a contained resource) only means a
   * value read again.
   */
  get<T>(e: Extractor<T>): T {
    const cell = e.cell;
    if (cell.focus === this) return cell.value as T;
    const value = e.read(this);
    cell.focus = this;
    cell.value = value;
    return value;
  }
}

export interface Extractor<T = unknown> {
  /** The focus it was last read for and what it gave (see Focus.get); each extractor() makes its own. */
  readonly cell: { focus: Focus | null; value: unknown };
  /** The elements read, FHIRPath-like, relative to the resource (or the part it is declared on). */
  readonly path: string;
  /** The converter: what is made of what is found, as the docs say it. */
  readonly how: string;
  /** Whether it may give null: a column that may not be null cannot be filled by it. */
  readonly optional: boolean;
  /** For practice_code only: the column whose day the registered practice is looked up on. */
  readonly practiceOn?: string;
  /** For person_id only: the value is the reference to the patient, resolved by the loader. */
  readonly person?: true;
  read(f: Focus): T;
}

/** An extractor, with a cell of its own (see Focus.get). */
function extractor<T>(e: Omit<Extractor<T>, "cell">): Extractor<T> {
  return { ...e, cell: { focus: null, value: undefined } };
}

/** A converter: what a value found at a path becomes; `what` names the element in a reason (`Condition.code`). */
export interface Converter<T> {
  readonly how: string;
  readonly optional: boolean;
  convert(value: unknown, what: string, f: Focus): T;
}

type Step = string | number | { extension: string };

/** A path as steps: keys, `[n]` for the nth of a list, and `extension('<url>')` for the extension with that url. */
function stepsOf(path: string): Step[] {
  const steps: Step[] = [];
  const re = /extension\('([^']+)'\)|([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw new Error(`not a path: ${path}`);
    if (m[1] !== undefined) steps.push({ extension: m[1] });
    else steps.push(m[2]);
    if (m[3] !== undefined) steps.push(Number(m[3]));
    i = re.lastIndex;
    if (i < path.length && path[i] !== ".") throw new Error(`not a path: ${path}`);
    i++;
  }
  return steps;
}

/** The element a path names (undefined when any step is missing). */
export function elementAt(node: unknown, steps: readonly Step[]): unknown {
  let at = node;
  for (const s of steps) {
    if (at === undefined || at === null) return undefined;
    if (typeof s !== "object") at = (at as Record<string | number, unknown>)[s];
    else at = ((at as { extension?: { url?: string }[] }).extension ?? []).find((e) => e.url === s.extension);
  }
  return at;
}

/** The value at `path`, made into what `converter` says. */
export function at<T>(path: string, converter: Converter<T>): Extractor<T> {
  const steps = stepsOf(path);
  // The element's name for a reason (`Condition.code`), made once per resource type or part, not per read.
  let name = "";
  let what = "";
  return extractor({
    path,
    how: converter.how,
    optional: converter.optional,
    read: (f) => {
      if (f.name !== name) {
        name = f.name;
        what = `${f.name}.${path}`;
      }
      return converter.convert(elementAt(f.node, steps), what, f);
    },
  });
}

/** A part of what another extractor gives (the system of a coding): the other is read once per resource. */
export function part<T, K extends keyof T>(
  of: Extractor<T>,
  key: K,
  how: string,
  optional = of.optional,
): Extractor<T[K]> {
  return extractor({ path: of.path, how: `${of.how}: ${how}`, optional, read: (f) => f.get(of)[key] });
}

/** The first of these that gives a value (neither null nor missing), else null. */
export function either<T>(...options: Extractor<T | null>[]): Extractor<T | null> {
  return extractor({
    path: options
      .map((o) => o.path)
      .filter((p) => p)
      .join(" | "),
    how: options.map((o) => o.how).join("; else "),
    optional: options.every((o) => o.optional),
    read: (f) => {
      for (const o of options) {
        const v = f.get(o);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    },
  });
}

/** The same value for every resource the declaration reads. */
export function always<T extends string | boolean>(value: T): Extractor<T> {
  return extractor({ path: "", how: `always \`${value}\``, optional: false, read: () => value });
}

/** A condition on the resource, named as the docs say it. */
export interface Condition {
  readonly says: string;
  holds(f: Focus): boolean;
}

/** The extractor's value when the condition holds, else null. */
export function onlyIf<T>(condition: Condition, e: Extractor<T>): Extractor<T | null> {
  return extractor({
    path: e.path,
    how: `${e.how}, when ${condition.says} (else empty)`,
    optional: true,
    read: (f) => (condition.holds(f) ? f.get(e) : null),
  });
}

/** A value computed from several elements by a named rule: for a field whose logic is its own. */
export function rule<T>(path: string, how: string, optional: boolean, read: (node: never, f: Focus) => T) {
  return extractor<T>({ path, how, optional, read: (f) => read(f.node as never, f) });
}

/** A check that refuses a resource, read before its columns: why, or null when it passes. */
export interface Refusal {
  readonly says: string;
  reason(f: Focus): string | null;
}

// Converters.

/** The value as sent (a number, a text), or null. */
export const asSent: Converter<unknown> = {
  how: "as sent",
  optional: true,
  convert: (v) => v ?? null,
};

/** A FHIR id: the resource's id in its source, required. */
export const fhirId: Converter<string> = {
  how: "FHIR id (required)",
  optional: false,
  convert: (v, what) => requireId({ id: v as string | undefined }, what.slice(0, -".id".length)),
};

/** A reference to the patient: Patient/<id> of this source, an NHS Number identifier, or a conditional one. */
export const patient: Converter<SubjectRef> = {
  how: "reference to a Patient (Patient/<id> of the source, an NHS Number identifier or a conditional reference); the person the master person index links it to",
  optional: false,
  convert: (v, what) => subjectOf(v as Reference | undefined, what),
};

/** The first coding with both a system and a code, required. */
export const coding: Converter<Coding & { system: string; code: string }> = {
  how: "first coding with a system and a code (required)",
  optional: false,
  convert: (v, what) =>
    codeOf(v as CodeableConcept | undefined, what) as Coding & { system: string; code: string },
};

/** The first coding with both a system and a code, or nothing. */
export const codingIfAny: Converter<{ system: string | null; code: string | null }> = {
  how: "first coding with a system and a code",
  optional: true,
  convert: (v) => {
    const c = (v as CodeableConcept | undefined)?.coding?.find((x) => x.system && x.code);
    return { system: c?.system ?? null, code: c?.code ?? null };
  },
};

/** The code of the first coding in `system` (a URI, or a pattern its system matches), or null. */
export function codeIn(system: string | RegExp, name: string): Converter<string | null> {
  return {
    how: `code of the first coding from ${name}`,
    optional: true,
    convert: (v) => codingIn(v as CodeableConcept | CodeableConcept[] | undefined, system)?.code ?? null,
  };
}

/** The code of the first coding in `system`, required: refused with `${what} needs a code from <system>`. */
export function requiredCodeIn(system: string): Converter<string> {
  return {
    how: `code of the first coding from \`${system}\` (required)`,
    optional: false,
    convert: (v, what) =>
      codingIn(v as CodeableConcept | undefined, system)?.code ?? fail(`${what} needs a code from ${system}`),
  };
}

/** A date or dateTime's day as written (its first ten characters), required. */
export const day: Converter<string> = {
  how: "the day as written (a date, or a dateTime's date part; required)",
  optional: false,
  convert: (v, what) => dateOf(v as string | undefined, what),
};

/** As `day`, when given (else null); `name` says the element in a reason where its path would not. */
export function dayIfGiven(name?: string): Converter<string | null> {
  return {
    how: "the day as written, when given",
    optional: true,
    convert: (v, what) => (v ? dateOf(v as string, name ?? what) : null),
  };
}

/** A dateTime as an instant: with its offset, or a date alone as the start of that day in England; required. */
export const moment: Converter<string> = {
  how: "instant (a dateTime with its offset, or a date as the start of that day in England; required)",
  optional: false,
  convert: (v, what) => momentOf(v as string | undefined, what),
};

/** As `moment`, or null when not given. */
export const momentIfGiven: Converter<string | null> = {
  how: "instant, as above, when given",
  optional: true,
  convert: (v, what) => (v ? momentOf(v as string, what) : null),
};

/** An organisation code: an ODS identifier, or an Organization the source sent (by id or identifier). */
export const organisation: Converter<string> = {
  how: "organisation code: an ODS code identifier, or an Organization of the source (`Organization/<id>` or a conditional reference; required)",
  optional: false,
  convert: (v, what, f) => orgOf(v as Reference | undefined, what, f.ctx),
};

/** As `organisation`, when given (else null). */
export const organisationIfGiven: Converter<string | null> = {
  how: "organisation code, as above, when given",
  optional: true,
  convert: (v, what, f) => (v ? orgOf(v as Reference, what, f.ctx) : null),
};

/** A text, required: refused with `${what} is required` when missing or empty. */
export const requiredText: Converter<string> = {
  how: "as sent (required)",
  optional: false,
  convert: (v, what) => (v ? (v as string) : fail(`${what} is required`)),
};

/** A boolean as text (`true`, `false`), or null when absent. */
export const booleanText: Converter<string | null> = {
  how: "`true` or `false` as text",
  optional: true,
  convert: (v) => (v === undefined ? null : String(v)),
};

/** A value looked up in a table; anything else is null. */
export function lookup(table: Readonly<Record<string, string>>): Converter<string | null> {
  const says = Object.entries(table)
    .map(([k, v]) => `\`${k}\` → \`${v}\``)
    .join(", ");
  return {
    how: `${says}; else empty`,
    optional: true,
    convert: (v) => (typeof v === "string" && Object.hasOwn(table, v) ? table[v] : null),
  };
}

/** A boolean, or `fallback` when absent. */
export function booleanOr(fallback: boolean): Converter<boolean> {
  return {
    how: `boolean (\`${fallback}\` when absent)`,
    optional: false,
    convert: (v) => (v as boolean | undefined | null) ?? fallback,
  };
}

// Extractors every declaration shares.

/** The resource's id: its source_record_id. */
export const ID = at("id", fhirId);

/** received_at: meta.lastUpdated as an instant, else the load's time. */
export const RECEIVED: Extractor<string> = extractor({
  path: "meta.lastUpdated",
  how: "instant (else when OnePlace loaded it)",
  optional: false,
  read: (f) => receivedAtOf(f.node as { meta?: { lastUpdated?: string } }, f.ctx.at),
});

/** person_id: the patient the element at `path` references. */
export function personAt(path: string): Extractor<SubjectRef> {
  const { cell: _, ...reference } = at(path, patient);
  return extractor({ ...reference, person: true });
}

/** practice_code: the practice the patient was registered with on the day in `column`, when OnePlace knows it. */
export function practiceOn(column: string): Extractor<null> {
  return extractor({
    path: "",
    how: `the patient's registered practice on \`${column}\`, when OnePlace knows one (else empty: a hospital's or a service's facts are kept too)`,
    optional: true,
    practiceOn: column,
    read: () => null,
  });
}

/**
 * The day a resource is dated by: the first of its date elements present, in the order given (the clinically
 * relevant time before the fallbacks). With none present the reason names them all, so a sender knows what to add.
 */
export function firstDay(paths: readonly string[]): Extractor<string> {
  const steps = paths.map(stepsOf);
  return extractor({
    path: paths.join(" | "),
    how: "the day of the first present, as written (required: the reason names them all)",
    optional: false,
    read: (f) => {
      let i = 0;
      while (i < steps.length && elementAt(f.node, steps[i]) === undefined) i++;
      if (i === steps.length)
        fail(
          `${f.name} has no date: ${paths.slice(0, -1).join(", ")} or ${paths.at(-1)} (the first given is used)`,
        );
      return dateOf(elementAt(f.node, steps[i]) as string | undefined, `${f.name}.${paths[i]}`);
    },
  });
}

/** A refusal when the element at `path` has one of `values`. */
export function refuseWhen(
  path: string,
  values: readonly string[],
  reason: (value: string) => string,
): Refusal {
  const steps = stepsOf(path);
  return {
    says: `\`${path}\` is ${values.map((v) => `\`${v}\``).join(" or ")}`,
    reason: (f) => {
      const v = elementAt(f.node, steps);
      return typeof v === "string" && values.includes(v) ? reason(v) : null;
    },
  };
}
