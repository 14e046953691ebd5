// The hazard log as data: one YAML file per hazard in docs/clinical-safety/hazards/, read and checked for
// shape here. The risk matrix is DCB0129's 5x5 (docs/clinical-safety/clinical-risk-management-plan.md).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseYaml, type YamlValue } from "./yaml.ts";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const HAZARD_DIR = join(ROOT, "docs", "clinical-safety", "hazards");

export interface Risk {
  severity: number;
  likelihood: number;
}

export interface Evidence {
  file: string;
  test: string;
}

export const CONTROL_KINDS = ["design", "test", "training", "documentation"] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

export interface Control {
  kind: ControlKind;
  description: string;
  evidence: Evidence[];
}

export const STATUSES = ["open", "controlled", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export interface Hazard {
  id: string;
  title: string;
  capability: string;
  code: string[];
  causes: string[];
  effect: string;
  harm: string;
  initial: Risk;
  controls: Control[];
  residual: Risk;
  status: Status;
  justification?: string;
  /** The file it was read from, relative to the repository. */
  source: string;
}

export const SEVERITY = ["Minor", "Significant", "Considerable", "Major", "Catastrophic"] as const;
export const LIKELIHOOD = ["Very low", "Low", "Medium", "High", "Very high"] as const;

/** DCB0129's matrix: RISK_MATRIX[likelihood - 1][severity - 1] is the risk rating 1-5. */
export const RISK_MATRIX: readonly (readonly number[])[] = [
  [1, 1, 2, 2, 3], // very low
  [1, 2, 2, 3, 4], // low
  [2, 2, 3, 3, 4], // medium
  [2, 3, 3, 4, 5], // high
  [3, 4, 4, 5, 5], // very high
];

export const RATING_BANDS: Record<number, { name: string; meaning: string }> = {
  1: { name: "Acceptable", meaning: "no action required" },
  2: {
    name: "Acceptable",
    meaning: "acceptable where the cost of reducing it further would outweigh the benefit",
  },
  3: {
    name: "Undesirable",
    meaning: "acceptable only with a written justification that further reduction is impractical",
  },
  4: { name: "Unacceptable", meaning: "must be reduced before release; stands only with a justification" },
  5: { name: "Unacceptable", meaning: "must be reduced before release; stands only with a justification" },
};

/** The highest rating that needs no written justification. */
export const ACCEPTABLE_RATING = 2;

export function rating(risk: Risk): number {
  return RISK_MATRIX[risk.likelihood - 1][risk.severity - 1];
}

export class HazardFileError extends Error {}

function fail(source: string, message: string): never {
  throw new HazardFileError(`${source}: ${message}`);
}

function text(doc: Record<string, YamlValue>, key: string, source: string, where = ""): string {
  const v = doc[key];
  if (typeof v !== "string" || v.trim() === "") fail(source, `${where}"${key}" must be some text`);
  return v.trim();
}

function textList(doc: Record<string, YamlValue>, key: string, source: string): string[] {
  const v = doc[key];
  const list = typeof v === "string" ? [v] : v;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((x) => typeof x !== "string" || x.trim() === "")
  ) {
    fail(source, `"${key}" must be a list of at least one text`);
  }
  return (list as string[]).map((x) => x.trim());
}

function risk(doc: Record<string, YamlValue>, key: string, source: string): Risk {
  const v = doc[key];
  const ok = (n: YamlValue | undefined) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 5;
  if (!isMap(v) || !ok(v.severity) || !ok(v.likelihood)) {
    fail(source, `"${key}" must be { severity: 1-5, likelihood: 1-5 }`);
  }
  return { severity: v.severity as number, likelihood: v.likelihood as number };
}

function isMap(v: YamlValue | undefined): v is { [key: string]: YamlValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const KEYS = new Set([
  "id",
  "title",
  "capability",
  "code",
  "causes",
  "effect",
  "harm",
  "initial",
  "controls",
  "residual",
  "status",
  "justification",
  // Optional: free text for the reader (links to issues, meeting notes); never read by the check.
  "notes",
  "references",
]);
const CONTROL_KEYS = new Set(["kind", "description", "evidence", "notes"]);

function control(v: YamlValue, i: number, source: string): Control {
  const where = `control ${i + 1}: `;
  if (!isMap(v)) fail(source, `${where}must be a mapping with kind, description and evidence`);
  const unknown = Object.keys(v).filter((k) => !CONTROL_KEYS.has(k));
  if (unknown.length > 0) {
    fail(
      source,
      `${where}unknown key(s) ${unknown.join(", ")}; a control has ${[...CONTROL_KEYS].join(", ")}`,
    );
  }
  const kind = v.kind;
  if (typeof kind !== "string" || !(CONTROL_KINDS as readonly string[]).includes(kind)) {
    fail(source, `${where}"kind" must be one of ${CONTROL_KINDS.join(", ")}`);
  }
  const description = text(v, "description", source, where);
  const raw = v.evidence ?? [];
  if (!Array.isArray(raw)) fail(source, `${where}"evidence" must be a list of { file, test }`);
  const evidence = raw.map((e, j) => {
    if (!isMap(e) || typeof e.file !== "string" || typeof e.test !== "string" || e.test.trim() === "") {
      fail(source, `${where}evidence ${j + 1} must be { file: test/..., test: "the test's full name" }`);
    }
    return { file: e.file.trim(), test: e.test };
  });
  return { kind: kind as ControlKind, description, evidence };
}

/** Reads one hazard file's text; throws `HazardFileError` naming the file and what is wrong. */
export function parseHazard(source: string, yaml: string): Hazard {
  let doc: YamlValue;
  try {
    doc = parseYaml(yaml);
  } catch (e) {
    return fail(source, (e as Error).message);
  }
  if (!isMap(doc)) fail(source, "must be a mapping of id, title, causes, ... (see the plan)");
  const unknown = Object.keys(doc).filter((k) => !KEYS.has(k));
  if (unknown.length > 0)
    fail(source, `unknown key(s) ${unknown.join(", ")}; the keys are ${[...KEYS].join(", ")}`);
  const id = text(doc, "id", source);
  if (!/^HAZ-\d{3}$/.test(id)) fail(source, `"id" must be HAZ-NNN, not "${id}"`);
  const name = source.split("/").pop() ?? "";
  if (!name.startsWith(`${id}-`) && name !== `${id}.yaml`) {
    fail(source, `the file name must begin with its id (${id}-short-slug.yaml)`);
  }
  const status = doc.status;
  if (typeof status !== "string" || !(STATUSES as readonly string[]).includes(status)) {
    fail(source, `"status" must be one of ${STATUSES.join(", ")}`);
  }
  if (!Array.isArray(doc.controls)) fail(source, `"controls" must be a list`);
  const justification = doc.justification;
  if (justification !== undefined && justification !== null && typeof justification !== "string") {
    fail(source, `"justification" must be text`);
  }
  return {
    id,
    title: text(doc, "title", source),
    capability: text(doc, "capability", source),
    code: textList(doc, "code", source),
    causes: textList(doc, "causes", source),
    effect: text(doc, "effect", source),
    harm: text(doc, "harm", source),
    initial: risk(doc, "initial", source),
    controls: doc.controls.map((c, i) => control(c, i, source)),
    residual: risk(doc, "residual", source),
    status: status as Status,
    justification:
      typeof justification === "string" && justification.trim() !== "" ? justification.trim() : undefined,
    source,
  };
}

/** Every `*.yaml` in the folder, in file-name order. */
export function hazardFiles(dir = HAZARD_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => join(dir, f));
}

export interface LoadedLog {
  hazards: Hazard[];
  /** Files that could not be read, each with its message. */
  errors: string[];
}

export function loadHazards(dir = HAZARD_DIR): LoadedLog {
  const hazards: Hazard[] = [];
  const errors: string[] = [];
  for (const file of hazardFiles(dir)) {
    const source = relative(ROOT, file).split("\\").join("/");
    try {
      hazards.push(parseHazard(source, readFileSync(file, "utf8")));
    } catch (e) {
      if (!(e instanceof HazardFileError)) throw e;
      errors.push(e.message);
    }
  }
  const seen = new Map<string, string>();
  for (const h of hazards) {
    const other = seen.get(h.id);
    if (other) errors.push(`${h.source}: id ${h.id} is also used by ${other}`);
    seen.set(h.id, h.source);
  }
  return { hazards, errors };
}
