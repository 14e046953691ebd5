// How a command is declared and run. A command declares its options, its positional arguments and what it
// needs of the database; the framework parses argv (node:util parseArgs), checks every value against its kind,
// writes --help from the declarations, opens (and always closes) the database, and hands run() typed values.
// See src/cli/README.md.
import { parseArgs } from "node:util";
import { isIsoDate, isUuid, normaliseNhsNumber } from "../core/index.ts";
import { type Db, migrate, openDb, readSettings } from "../platform/index.ts";
import { makeEmbeddedDatabaseApart, optimisingCompilerOff } from "./embedded-apart.ts";
import { UsageError, usageError } from "./errors.ts";

/** What a command needs of the database: nothing, an open one, or one migrated to the latest schema. */
export type DbNeed = "none" | "open" | "migrated";

/** One option (--name) or positional argument: how it reads on the command line and what it becomes. */
export interface Param<T> {
  readonly description: string;
  /** Shown as <valueName> in help; a positional argument's name. */
  readonly valueName: string;
  readonly short?: string;
  /** A boolean option: present or not, takes no value. */
  readonly flag: boolean;
  readonly multiple: boolean;
  readonly required: boolean;
  readonly fallback: unknown;
  /** Turns the text given into the value, or throws a UsageError naming `label` (--name or <name>). */
  readonly parse: (text: string, label: string) => unknown;
  /** Never set: carries the value's type for run(). */
  readonly type?: T;
}

export interface ParamOptions<T> {
  valueName?: string;
  short?: string;
  required?: boolean;
  default?: T;
  /** Repeatable option, or (the last) positional argument taking the rest. */
  multiple?: boolean;
}

type ValueOf<T, O> = O extends { multiple: true }
  ? T[]
  : O extends { required: true } | { default: unknown }
    ? T
    : T | undefined;

export type Params = Record<string, Param<unknown>>;
export type Values<P extends Params> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

/** A parameter of a kind of one's own: parse turns the text into the value or throws a UsageError. */
export function param<T, const O extends ParamOptions<T> = Record<never, never>>(
  defaultValueName: string,
  parse: (text: string, label: string) => T,
  description: string,
  options?: O,
): Param<ValueOf<T, O>> {
  return {
    description,
    valueName: options?.valueName ?? defaultValueName,
    short: options?.short,
    flag: false,
    multiple: options?.multiple === true,
    required: options?.required === true,
    fallback: options?.default,
    parse,
  };
}

/** Text; surrounding spaces are dropped, and an empty value counts as not given. */
export function text<const O extends ParamOptions<string>>(description: string, options?: O) {
  return param("text", (value) => value.trim(), description, options);
}

/** A file or folder, taken as given. */
export function path<const O extends ParamOptions<string>>(description: string, options?: O) {
  return param("file", (value) => value, description, options);
}

/** A boolean option: true when present. */
export function flag(description: string, options: { short?: string } = {}): Param<boolean> {
  return {
    description,
    valueName: "",
    short: options.short,
    flag: true,
    multiple: false,
    required: false,
    fallback: false,
    parse: () => true,
  };
}

const en = (n: number) => n.toLocaleString("en-GB");

/** A kind of value: read returns the value, or undefined when the text is not one (then "--x must be ..."). */
function kind<T>(valueName: string, read: (text: string) => T | undefined, mustBe: string) {
  return <const O extends ParamOptions<T>>(description: string, options?: O) =>
    param(valueName, (value, label) => readOrRefuse(value, label, read, mustBe), description, options);
}

function readOrRefuse<T>(
  value: string,
  label: string,
  read: (text: string) => T | undefined,
  mustBe: string,
): T {
  const v = value.trim() === "" ? undefined : read(value);
  if (v === undefined) throw usageError(`${label} must be ${mustBe}, not "${value}"`);
  return v;
}

/** A whole number from min to max; "1_000" and "1,000" are read as 1000. */
export function int<const O extends ParamOptions<number> & { min: number; max: number }>(
  description: string,
  options: O,
) {
  const read = (value: string) => {
    const n = Number(value.replaceAll("_", "").replaceAll(",", ""));
    return Number.isInteger(n) && n >= options.min && n <= options.max ? n : undefined;
  };
  const mustBe = `a whole number from ${en(options.min)} to ${en(options.max)}`;
  return param("N", (value, label) => readOrRefuse(value, label, read, mustBe), description, options);
}

/** A number (commas and a leading £ allowed), optionally at least min. */
export function number<const O extends ParamOptions<number> & { min?: number }>(
  description: string,
  options?: O,
) {
  const min = options?.min ?? Number.NEGATIVE_INFINITY;
  const read = (value: string) => {
    const n = Number(value.replace(/^£/, "").replaceAll(",", ""));
    return Number.isFinite(n) && n >= min ? n : undefined;
  };
  const mustBe = `a number${min > Number.NEGATIVE_INFINITY ? ` of ${min} or more` : ""}`;
  return param("n", (value, label) => readOrRefuse(value, label, read, mustBe), description, options);
}

/** One of a fixed list of words; help shows them as <a|b|c> (or lists them, given a valueName). */
export function choice<const C extends readonly string[], const O extends ParamOptions<C[number]>>(
  choices: C,
  description: string,
  options?: O,
) {
  const read = (value: string) => (choices.includes(value) ? (value as C[number]) : undefined);
  const mustBe = `one of ${choices.join(", ")}`;
  // With a valueName of its own, help lists the choices in the description instead.
  const described = options?.valueName ? `${description}: ${mustBe}` : description;
  return param(
    choices.join("|"),
    (value, label) => readOrRefuse(value, label, read, mustBe),
    described,
    options,
  );
}

/** A share from 0 to 1, or a percentage from 0% to 100%. */
export const rate = kind(
  "rate",
  (value) => {
    const n = value.endsWith("%") ? Number(value.slice(0, -1)) / 100 : Number(value);
    return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
  },
  "a rate from 0 to 1 (or 0% to 100%)",
);

/** A calendar date written YYYY-MM-DD. */
export const date = kind(
  "date",
  (value) => (isIsoDate(value) ? value : undefined),
  "a date written YYYY-MM-DD",
);

/** A UUID (an internal id), given back in lower case. */
export const uuid = kind("id", (value) => (isUuid(value) ? value.toLowerCase() : undefined), "a UUID");

/** A valid NHS Number, spaces allowed, given back as ten digits. */
export const nhsNumber = kind(
  "NHS Number",
  (value) => normaliseNhsNumber(value) ?? undefined,
  "a valid NHS Number",
);

/** What run() receives: the options and arguments as typed values, and the database if it needs one. */
export interface Input<O extends Params, A extends Params, N> {
  options: Values<O>;
  args: Values<A>;
  db: N extends "none" ? undefined : N extends "depends" ? Db | undefined : Db;
}

export interface CommandSpec<O extends Params, A extends Params, N extends DbNeed | "depends"> {
  /** e.g. "db migrate" */
  name: string;
  summary: string;
  /** Overrides the usage line generated from the declarations, where it cannot say enough. */
  usage?: string;
  options: O;
  args?: A;
  /** What it needs of the database; "depends" asks dbFor (e.g. `synth --out` needs none). */
  db: N;
  dbFor?: (options: Values<O>, args: Values<A>) => DbNeed;
  /** Runs for as long as it serves (serve, demo): on the embedded engine a new database is made apart. */
  serving?: boolean;
  run(input: Input<O, A, N>): Promise<number>;
}

/** A declared command, with its types erased so main can list them together. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly spec: CommandSpec<Params, Params, DbNeed | "depends">;
}

export function defineCommand<
  const O extends Params,
  const A extends Params = Record<never, never>,
  const N extends DbNeed | "depends" = DbNeed,
>(spec: CommandSpec<O, A, N>): Command {
  return { name: spec.name, summary: spec.summary, spec: spec as unknown as Command["spec"] };
}

const label = (name: string, p: Param<unknown>, positional: boolean) =>
  positional ? `<${p.valueName || name}>` : `--${name}`;

function usageLine(command: Command): string {
  const { spec } = command;
  if (spec.usage) return spec.usage;
  const words = [`oneplace ${spec.name}`];
  for (const [name, p] of Object.entries(spec.args ?? {})) {
    const shown = `${label(name, p, true)}${p.multiple ? "..." : ""}`;
    words.push(p.required ? shown : `[${shown}]`);
  }
  const options = Object.entries(spec.options);
  for (const [name, p] of options) if (p.required) words.push(`--${name} <${p.valueName}>`);
  if (options.some(([, p]) => !p.required)) words.push("[options]");
  return words.join(" ");
}

export function helpText(command: Command): string {
  const { spec } = command;
  const row = (left: string, right: string) => `  ${left.padEnd(34)} ${right}`;
  const args = Object.entries(spec.args ?? {}).map(([name, p]) =>
    row(`${label(name, p, true)}${p.multiple ? "..." : ""}`, p.description),
  );
  const options = Object.entries(spec.options).map(([name, p]) => {
    const flagText = `${p.short ? `-${p.short}, ` : "    "}--${name}${p.flag ? "" : ` <${p.valueName}>`}`;
    return row(
      flagText,
      `${p.description}${p.required ? " (required)" : ""}${p.multiple ? " (repeat)" : ""}`,
    );
  });
  options.push(row("-h, --help", "Show this help"));
  const argText = args.length ? `\nArguments:\n${args.join("\n")}\n` : "";
  return `${spec.summary}\n\nUsage: ${usageLine(command)}\n${argText}\nOptions:\n${options.join("\n")}\n`;
}

export function usageHint(command: string): string {
  return `See 'oneplace ${command} --help'.`;
}

function readParam(name: string, p: Param<unknown>, given: unknown, positional: boolean): unknown {
  const shown = label(name, p, positional);
  const texts = (given === undefined ? [] : Array.isArray(given) ? given : [given]).filter(
    (t) => typeof t !== "string" || t.trim() !== "",
  );
  if (texts.length === 0) {
    if (p.required)
      throw usageError(positional ? `Give the ${p.valueName || name}.` : `${shown} is required.`);
    return p.multiple ? [] : p.fallback;
  }
  const values = texts.map((t) => p.parse(String(t), shown));
  return p.multiple ? values : values[0];
}

/** Parses argv against the declarations: "help", or the typed options and arguments. */
export function parseInput(
  command: Command,
  argv: string[],
): "help" | { options: Values<Params>; args: Values<Params> } {
  const { spec } = command;
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, p] of Object.entries(spec.options)) {
    config[name] = { type: p.flag ? "boolean" : "string", ...(p.short ? { short: p.short } : {}) };
    if (p.multiple) config[name].multiple = true;
  }
  const argSpecs = Object.entries(spec.args ?? {});
  // --help wins over anything else given, even an option the command does not know.
  const beforeTerminator = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  if (beforeTerminator.some((word) => word === "--help" || word === "-h")) return "help";
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: config, strict: true, allowPositionals: argSpecs.length > 0 });
  } catch (cause) {
    throw usageError((cause as Error).message.replace(/\. To specify a positional argument.*$/s, "."), {
      cause,
    });
  }
  if (parsed.values.help) return "help";
  const options: Values<Params> = {};
  for (const [name, p] of Object.entries(spec.options))
    options[name] = readParam(name, p, parsed.values[name], false);
  const args: Values<Params> = {};
  const rest = [...parsed.positionals];
  for (const [name, p] of argSpecs) {
    const given = p.multiple ? rest.splice(0) : rest.shift();
    args[name] = readParam(name, p, given, true);
  }
  if (rest.length > 0) throw usageError(`Unexpected argument "${rest[0]}".`);
  return { options, args };
}

/** Parses, checks, opens the database the command needs, runs it, and always closes the database. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  try {
    const input = parseInput(command, argv);
    if (input === "help") {
      process.stdout.write(helpText(command));
      return 0;
    }
    const { spec } = command;
    const need = spec.db === "depends" ? (spec.dbFor?.(input.options, input.args) ?? "migrated") : spec.db;
    if (need === "none") return await spec.run({ ...input, db: undefined });
    const { store } = readSettings();
    // Run as first compiled only (as the tests run CLI children), initdb recompiles nothing here.
    if (spec.serving && !optimisingCompilerOff()) makeEmbeddedDatabaseApart(store);
    const db = await openDb(store);
    try {
      if (need === "migrated") await migrate(db);
      return await spec.run({ ...input, db });
    } finally {
      await db.close();
    }
  } catch (error) {
    // A usage error says where to look, unless it brought its own hint.
    if (error instanceof UsageError && !error.hint)
      throw usageError(error.message, { hint: usageHint(command.name), cause: error.cause });
    throw error;
  }
}
