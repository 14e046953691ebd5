import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import {
  choice,
  date,
  defineCommand,
  flag,
  helpText,
  int,
  nhsNumber,
  parseInput,
  path,
  rate,
  text,
  uuid,
} from "../../src/cli/command.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { COMMAND_LIST, loadCommands } from "../../src/cli/main.ts";

const COMMANDS = await loadCommands();

const example = defineCommand({
  name: "example run",
  summary: "An example command.",
  args: {
    id: uuid("The thing", { valueName: "thing-id", required: true }),
    files: path("More files", { multiple: true }),
  },
  options: {
    limit: int("At most N", { min: 1, max: 1_000, default: 50 }),
    share: rate("A share"),
    on: date("A day"),
    by: choice(["practice", "locality"], "Per what", { default: "practice" }),
    who: nhsNumber("Someone"),
    note: text("Why", { required: true }),
    tag: text("A tag", { multiple: true }),
    json: flag("As JSON"),
  },
  db: "none",
  async run() {
    return 0;
  },
});

const ID = "0b7c9a4e-3f1d-4c2a-9e8b-5d6f7a8b9c0d";
const parse = (...argv: string[]) => parseInput(example, argv);

test("values arrive typed, with defaults filled in", () => {
  const input = parse(
    ID.toUpperCase(),
    "a.csv",
    "b.csv",
    "--note",
    " checked ",
    "--share",
    "5%",
    "--tag",
    "x",
    "--tag",
    "y",
  );
  assert.notEqual(input, "help");
  if (input === "help") return;
  assert.deepEqual(input.args, { id: ID, files: ["a.csv", "b.csv"] });
  assert.deepEqual(input.options, {
    limit: 50,
    share: 0.05,
    on: undefined,
    by: "practice",
    who: undefined,
    note: "checked",
    tag: ["x", "y"],
    json: false,
  });
  const more = parse(
    ID,
    "--note",
    "n",
    "--limit",
    "1,000",
    "--on",
    "2016-02-29",
    "--who",
    "943 476 5919",
    "--json",
  );
  if (more === "help") return;
  assert.equal(more.options.limit, 1000);
  assert.equal(more.options.on, "2016-02-29");
  assert.equal(more.options.who, "9434765919");
  assert.equal(more.options.json, true);
});

test("every bad value is a usage error that names the option and what it must be", () => {
  const cases: [string[], RegExp][] = [
    [[ID], /--note is required/],
    [["--note", "n"], /Give the thing-id/],
    [["not-a-uuid", "--note", "n"], /<thing-id> must be a UUID, not "not-a-uuid"/],
    [[ID, "--note", "n", "--limit", "0"], /--limit must be a whole number from 1 to 1,000, not "0"/],
    [[ID, "--note", "n", "--share", "1.5"], /--share must be a rate from 0 to 1/],
    [[ID, "--note", "n", "--on", "2015-02-29"], /--on must be a date written YYYY-MM-DD/],
    [[ID, "--note", "n", "--by", "ward"], /--by must be one of practice, locality, not "ward"/],
    [[ID, "--note", "n", "--who", "9434765918"], /--who must be a valid NHS Number/],
    [[ID, "--note", "n", "--frobnicate"], /--frobnicate/],
    [[ID, "--note", "   "], /--note is required/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parse(...argv),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      argv.join(" "),
    );
  }
});

test("surplus arguments are refused", () => {
  const strict = defineCommand({
    name: "strict",
    summary: "One argument.",
    args: { one: text("It", { required: true }) },
    options: {},
    db: "none",
    async run() {
      return 0;
    },
  });
  assert.throws(() => parseInput(strict, ["a", "b"]), /Unexpected argument "b"/);
});

test("--help is written from the declarations", () => {
  assert.equal(parse("--help"), "help");
  const help = helpText(example);
  assert.match(
    help,
    /^An example command\.\n\nUsage: oneplace example run <thing-id> \[<file>\.\.\.\] --note <text> \[options\]/,
  );
  assert.match(help, /<thing-id> +The thing/);
  assert.match(help, /--limit <N> +At most N/);
  assert.match(help, /--by <practice\|locality> +Per what/);
  assert.match(help, /--note <text> +Why \(required\)/);
  assert.match(help, /--tag <text> +A tag \(repeat\)/);
  assert.match(help, /--json +As JSON/);
  assert.match(help, /-h, --help +Show this help/);
});

test("every command declares a summary and describes each option and argument; names are unique", () => {
  const names = new Set<string>();
  for (const command of COMMANDS) {
    assert.ok(!names.has(command.name), `${command.name} twice`);
    names.add(command.name);
    assert.ok(command.summary.length > 10, command.name);
    const params = { ...command.spec.options, ...command.spec.args };
    for (const [name, p] of Object.entries(params)) assert.ok(p.description, `${command.name} ${name}`);
    assert.match(helpText(command), new RegExp(`Usage: oneplace ${command.name}( |\\n)`));
  }
  assert.ok(names.size >= 60);
});

test("the list main keeps (name, first sentence of the summary) matches each command's module, and lists every command", async () => {
  for (const [i, listed] of COMMAND_LIST.entries()) {
    const command = COMMANDS[i] as (typeof COMMANDS)[number];
    assert.equal(command.name, listed.name, `the list's ${listed.name} loads ${command.name}`);
    assert.equal(listed.headline, command.summary.split(/\.(?:\s|$)/)[0], `${listed.name}'s headline`);
  }
  const declared = new Set<string>();
  const folder = new URL("../../src/cli/commands/", import.meta.url);
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts"))) {
    const module = (await import(new URL(file, folder).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const c = value as { name?: unknown; summary?: unknown; spec?: { run?: unknown } };
      if (typeof c?.name === "string" && typeof c.summary === "string" && typeof c.spec?.run === "function")
        declared.add(c.name);
    }
  }
  assert.deepEqual([...declared].sort(), COMMAND_LIST.map((c) => c.name).sort(), "every command is listed");
});
