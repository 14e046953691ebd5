import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FeedFile, type FeedManifest, layoutByName } from "../../ingest/index.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import { CsvFile, NdjsonFile, TextFile } from "./files.ts";

// The files the feeds are written to, in load order (the manifest lists them so), and the thin shell that
// writes the source writers' lines to them. A CSV file's columns are its ingest layout's, so the writer
// cannot write a column the loader does not read.

export type FeedFileKey =
  | "orgs"
  | "postcodes"
  | "codeMap"
  | "gpPatients"
  | "gpRegistrations"
  | "gpCoded"
  | "gpMeds"
  | "adt"
  | "acuteOutpatients"
  | "delays"
  | "cmPatients"
  | "cmEncounters"
  | "mhPatients"
  | "mhEncounters"
  | "scClients"
  | "scAssessments"
  | "scServices"
  | "scPlacements"
  | "gpPlans"
  | "cmPlans"
  | "mhPlans"
  | "scPlans"
  | "deaths";

/**
 * A line for a feed file: a CSV row by column name or a FHIR resource (an object), or the line's text as it
 * stands (an HL7 message, or a truncated NDJSON line).
 */
export type FeedLine = readonly [file: FeedFileKey, line: object | string];

interface FeedFileSpec {
  key: FeedFileKey;
  file: string;
  format: FeedFile["format"];
  source: string;
  /** The CSV layout the loader reads it with. */
  layout?: string;
  /** The source's organisation goes in the manifest (the council, for client ids). */
  needsOrg?: boolean;
  /** CSV from a Windows system: a byte order mark and CRLF line ends. */
  windows?: boolean;
}

/** The columns of the code map CSV (loadCodeMapFile reads it). */
const CODE_MAP_COLUMNS = ["source_system", "map_name", "source_code", "target_code"];

export const FEED_FILES: readonly FeedFileSpec[] = [
  { key: "orgs", file: "reference/Organization.ndjson", format: "fhir", source: "ods" },
  {
    key: "postcodes",
    file: "reference/postcode-areas.csv",
    format: "csv",
    source: "ons-postcode-directory",
    layout: "postcode-areas",
  },
  { key: "codeMap", file: "acute-pas/code-maps.csv", format: "code-map", source: S.acute },
  { key: "gpPatients", file: "gp/gp-patients.csv", format: "csv", source: S.gp, layout: "gp-patients" },
  {
    key: "gpRegistrations",
    file: "gp/gp-registrations.csv",
    format: "csv",
    source: S.gp,
    layout: "gp-registrations",
  },
  { key: "gpCoded", file: "gp/gp-coded-record.csv", format: "csv", source: S.gp, layout: "gp-coded-record" },
  { key: "gpMeds", file: "gp/MedicationRequest.ndjson", format: "fhir", source: S.gp },
  { key: "adt", file: "acute-pas/adt.hl7", format: "hl7", source: S.acute },
  { key: "acuteOutpatients", file: "acute-pas/Encounter.ndjson", format: "fhir", source: S.acute },
  {
    key: "delays",
    file: "acute-pas/delayed-transfers.csv",
    format: "csv",
    source: S.acute,
    layout: "delayed-transfers",
  },
  { key: "cmPatients", file: "community-ehr/Patient.ndjson", format: "fhir", source: S.community },
  { key: "cmEncounters", file: "community-ehr/Encounter.ndjson", format: "fhir", source: S.community },
  { key: "mhPatients", file: "mental-health-ehr/Patient.ndjson", format: "fhir", source: S.mentalHealth },
  { key: "mhEncounters", file: "mental-health-ehr/Encounter.ndjson", format: "fhir", source: S.mentalHealth },
  ...(
    [
      ["scClients", "sc-clients"],
      ["scAssessments", "sc-assessments"],
      ["scServices", "sc-services"],
      ["scPlacements", "sc-placements"],
    ] as const
  ).map(
    ([key, layout]): FeedFileSpec => ({
      key,
      file: `social-care/${layout}.csv`,
      format: "csv",
      source: S.socialCare,
      layout,
      needsOrg: key === "scClients",
      windows: true,
    }),
  ),
  { key: "gpPlans", file: "gp/EpisodeOfCare.ndjson", format: "fhir", source: S.gp },
  { key: "cmPlans", file: "community-ehr/EpisodeOfCare.ndjson", format: "fhir", source: S.community },
  { key: "mhPlans", file: "mental-health-ehr/EpisodeOfCare.ndjson", format: "fhir", source: S.mentalHealth },
  { key: "scPlans", file: "social-care/EpisodeOfCare.ndjson", format: "fhir", source: S.socialCare },
  {
    key: "deaths",
    file: "death-registration/deaths.csv",
    format: "csv",
    source: S.deathRegistration,
    layout: "deaths",
  },
];

function csvColumns(spec: FeedFileSpec): readonly string[] {
  if (!spec.layout) return CODE_MAP_COLUMNS;
  const layout = layoutByName(spec.layout);
  if (!layout) throw new Error(`feed ${spec.file}: no CSV layout ${spec.layout}`);
  return layout.columns.map((c) => c.name);
}

type OpenFile = CsvFile | NdjsonFile | TextFile;

function open(dir: string, spec: FeedFileSpec): OpenFile {
  if (spec.format === "fhir") return new NdjsonFile(dir, spec.file);
  if (spec.format === "hl7") return new TextFile(dir, spec.file);
  return new CsvFile(dir, spec.file, csvColumns(spec), spec.windows === true);
}

function writeLine(f: OpenFile, line: object | string): Promise<void> | undefined {
  if (f instanceof TextFile) return f.write(`${line}\n`);
  if (typeof line === "string") return (f as NdjsonFile).writeRaw(line);
  return f instanceof CsvFile ? f.row(line as Record<string, unknown>) : f.write(line);
}

/** The open feed files: lines in, with the writes still draining kept until the generator waits for them. */
export class FeedFiles {
  readonly #files: Map<FeedFileKey, OpenFile>;
  #pending: Promise<void>[] = [];

  constructor(dir: string) {
    this.#files = new Map(FEED_FILES.map((spec) => [spec.key, open(dir, spec)]));
  }

  write(lines: Iterable<FeedLine>): void {
    for (const [key, line] of lines) this.hold(writeLine(this.#files.get(key) as OpenFile, line));
  }

  /** Keep a write to another file (one not in the manifest) until the next drain. */
  hold(write: Promise<void> | undefined): void {
    if (write) this.#pending.push(write);
  }

  /** The writes still draining, for the generator to wait on; undefined when there are none. */
  drain(): Promise<void> | undefined {
    if (this.#pending.length === 0) return undefined;
    return Promise.all(this.#pending.splice(0)).then(() => undefined);
  }

  /** Close every file; the lines each received, by file key. */
  async close(): Promise<Record<FeedFileKey, number>> {
    await this.drain();
    const counts = {} as Record<FeedFileKey, number>;
    for (const [key, f] of this.#files) {
      counts[key] = f instanceof TextFile ? f.lines : f.rows;
      await f.close();
    }
    return counts;
  }
}

/** The manifest: what each file is, in load order. */
export function feedManifest(description: string, councilCode: string): FeedManifest {
  return {
    description,
    files: FEED_FILES.map((spec) => ({
      file: spec.file,
      format: spec.format,
      source: spec.source,
      ...(spec.layout ? { layout: spec.layout } : {}),
      ...(spec.needsOrg ? { org: councilCode } : {}),
    })),
  };
}

export function writeJson(dir: string, file: string, value: unknown): void {
  writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
}
