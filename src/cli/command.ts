import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliError, EXIT_USAGE } from "./errors.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & {
  description: string;
  valueName?: string;
};

export interface Command {
  /** e.g. "db migrate" */
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function helpText(command: Command): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? ` <${spec.valueName ?? "value"}>` : ""}`;
    return `  ${flag.padEnd(34)} ${spec.description}`;
  });
  rows.push(`  ${"-h, --help".padEnd(34)} Show this help`);
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${rows.join("\n")}\n`;
}

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs | "help" {
  const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(command.options)) {
    // Node 24 refuses keys that are present but undefined, so copy only those the spec sets.
    const { description: _d, valueName: _v, ...parseSpec } = spec;
    options[name] = Object.fromEntries(
      Object.entries(parseSpec).filter(([, v]) => v !== undefined),
    ) as typeof parseSpec;
  }
  try {
    const parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: command.allowPositionals ?? false,
    });
    if (parsed.values.help) return "help";
    return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
  } catch (cause) {
    throw new CliError((cause as Error).message.replace(/\. To specify a positional argument.*$/s, "."), {
      exitCode: EXIT_USAGE,
      hint: usageHint(command.name),
      cause,
    });
  }
}

export function intOption(
  value: string | boolean | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).replaceAll("_", "").replaceAll(",", "");
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(
      `--${name} must be a whole number from ${min.toLocaleString("en-GB")} to ${max.toLocaleString("en-GB")}, not "${value}"`,
      {
        exitCode: EXIT_USAGE,
      },
    );
  }
  return n;
}

export function rateOption(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const n = text.endsWith("%") ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new CliError(`--${name} must be a rate from 0 to 1 (or 0% to 100%), not "${value}"`, {
      exitCode: EXIT_USAGE,
    });
  }
  return n;
}

export function usageHint(command: string): string {
  return `See 'oneplace ${command} --help'.`;
}
