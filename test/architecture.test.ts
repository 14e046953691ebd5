// The layering of ARCHITECTURE.md, checked on every import: dependencies point inward, another folder is
// reached only through its index.ts, faces never import the store nor run SQL themselves.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";

const ROOT = resolve(import.meta.dirname, "..");

const CAPABILITIES = ["ingest", "mpi", "risk", "care", "outcomes", "commissioning", "governance", "fhir"];
const FACES = ["web", "cli", "api"];

/** What each src folder may import, besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  store: ["core"],
  // The faces' door to the store, the logger, and the one view environment (the board report shares it).
  platform: ["core", "store"],
  ...Object.fromEntries(CAPABILITIES.map((c) => [c, ["core", "store", "platform", ...CAPABILITIES]])),
  synth: ["core", "store", "platform", ...CAPABILITIES],
  ...Object.fromEntries(FACES.map((f) => [f, ["core", "platform", ...CAPABILITIES, "synth", ...FACES]])),
};

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"/g;

interface Import {
  file: string;
  target: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(SPECIFIER)].map((m) => ({
    file,
    target: relative(ROOT, resolve(ROOT, dirname(file), m[1])),
  }));
}

/** A folder's doors besides index.ts: the store's declarations without its engines (for the CSV parsing thread). */
const OTHER_DOORS: Readonly<Record<string, string>> = { store: "declarations.ts" };

/** ["src", "mpi", "resolve.ts"] -> the folder ("mpi") and whether the target is its index (or another door). */
function srcFolder(path: string): { folder: string; isIndex: boolean } | null {
  const parts = path.split(sep);
  if (parts[0] !== "src" || parts.length < 3) return null;
  const door = parts.length === 3 && (parts[2] === "index.ts" || parts[2] === OTHER_DOORS[parts[1]]);
  return { folder: parts[1], isIndex: door };
}

/** The src folder a file belongs to, or for a test file the src folder it tests (test/mpi -> mpi). */
function homeOf(file: string): string | null {
  const parts = file.split(sep);
  return parts[0] === "bench" || parts.length < 3 ? null : parts[1];
}

const FILES = [...tsFiles("src"), ...tsFiles("test"), ...tsFiles("bench")];
const IMPORTS = FILES.flatMap(importsOf);

test("the import scan sees the project's imports", () => {
  assert.ok(FILES.length > 300, `only ${FILES.length} files found`);
  assert.ok(IMPORTS.some((i) => i.file === join("src", "governance", "reader.ts")));
});

test("dependencies point inward: each src folder imports only the rings inside it", () => {
  const wrong = IMPORTS.filter((i) => i.file.startsWith(`src${sep}`))
    .map((i) => ({ ...i, from: homeOf(i.file) as string, to: srcFolder(i.target)?.folder }))
    .filter((i) => i.to && i.to !== i.from && !(MAY_IMPORT[i.from] ?? []).includes(i.to))
    .map((i) => `${i.file} imports ${i.target} (${i.from} may import ${MAY_IMPORT[i.from]?.join(", ")})`);
  assert.deepEqual(wrong, []);
});

test("another folder is reached only through its index.ts (src/core may be imported by module)", () => {
  const wrong = IMPORTS.map((i) => ({ ...i, to: srcFolder(i.target) }))
    .filter((i) => i.to && !i.to.isIndex && i.to.folder !== "core" && i.to.folder !== homeOf(i.file))
    .map((i) => `${i.file} imports ${i.target}: use src/${i.to?.folder}/index.ts`);
  assert.deepEqual(wrong, []);
});

test("faces never import the store and never run SQL themselves", () => {
  const faceFiles = FILES.filter((f) => FACES.includes(homeOf(f) ?? "") && f.startsWith(`src${sep}`));
  assert.ok(faceFiles.length > 20);
  const storeImports = IMPORTS.filter(
    (i) => faceFiles.includes(i.file) && srcFolder(i.target)?.folder === "store",
  ).map((i) => `${i.file} imports ${i.target}`);
  assert.deepEqual(storeImports, []);
  const sql = faceFiles.filter((f) =>
    /\.(query|exec)\s*(<[\s\S]*?>)?\s*\(\s*[`"']\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(
      readFileSync(join(ROOT, f), "utf8"),
    ),
  );
  assert.deepEqual(sql, [], "SQL belongs in a capability; personal data in the governance reader");
});

test("only the settings module reads the environment", () => {
  const readers = FILES.filter((f) => f.startsWith(`src${sep}`))
    .filter((f) => /process\.env\b/.test(readFileSync(join(ROOT, f), "utf8")))
    .sort();
  assert.deepEqual(readers, [join("src", "platform", "settings.ts")]);
});

test("the README's configuration table names every setting, and only those", async () => {
  const { SETTINGS } = await import("../src/platform/index.ts");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("## Configuration") + 3),
  );
  const documented = new Set(
    [...section.matchAll(/`((?:ONEPLACE_[A-Z_<>]+)|DATABASE_URL)`/g)].map((m) => m[1]),
  );
  assert.deepEqual([...documented].sort(), SETTINGS.map((s) => s.name).sort());
});
