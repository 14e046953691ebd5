// The YAML subset the hazard log is read with: what hazard files use reads as YAML would; what it does not read
// is refused with its line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseYaml } from "./yaml.ts";

test("mappings, lists, flow collections over lines, quoted, folded and block text, comments and numbers", () => {
  const doc = `# a hazard
id: HAZ-012   # trailing comment
code: [src/store/pglite.ts, "src/x.ts"]
causes:
  - two processes at once
  - "quoted: with a colon # and a hash"
  - the person's record
effect: a long effect
  folded over two lines
harm: |
  line one
  line two
initial: { severity: 4, likelihood: 3 }
controls:
  - kind: design
    description: >-
      folded
      text
    evidence:
      - { file: test/a.test.ts, test: "a name, with a comma" }
      - file: test/b.test.ts
        test: 'it''s fine'
  - kind: test
    evidence: [
      { file: a, test: b },
    ]
empty:
flag: true
`;
  assert.deepEqual(parseYaml(doc), {
    id: "HAZ-012",
    code: ["src/store/pglite.ts", "src/x.ts"],
    causes: ["two processes at once", "quoted: with a colon # and a hash", "the person's record"],
    effect: "a long effect folded over two lines",
    harm: "line one\nline two\n",
    initial: { severity: 4, likelihood: 3 },
    controls: [
      {
        kind: "design",
        description: "folded text",
        evidence: [
          { file: "test/a.test.ts", test: "a name, with a comma" },
          { file: "test/b.test.ts", test: "it's fine" },
        ],
      },
      { kind: "test", evidence: [{ file: "a", test: "b" }] },
    ],
    empty: null,
    flag: true,
  });
});

test("what it does not read is refused with the line", () => {
  const cases: [string, RegExp][] = [
    ["a: 1\na: 2", /line 2: "a" is given twice/],
    ["a:\n\t- x", /line 2: indent with spaces, not tabs/],
    ["a: [1, 2", /line 1: .* is not closed/],
    ["a: b\n  c: d", /line 2: "c: d" is indented under a value that is already given/],
    ['a: "x', /line 1: .*is not closed/],
    ["a: &anchor x", /anchors, aliases and tags are not read here/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseYaml(text), message, text);
});
