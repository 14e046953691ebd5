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

/** A CSV extract, named after the layout it is read with. */
const csv = (
  key: FeedFileKey,
  folder: string,
  source: string,
  layout: string,
  extra: Partial<FeedFileSpec> = {},
) => ({ key, file: `${folder}/${layout}.csv`, format: "csv", source, layout, ...extra }) as const;
/** FHIR resources of one type, as NDJSON. */
const fhir = (key: FeedFileKey, folder: string, source: string, resourceType: string) =>
  ({ key, file: `${folder}/${resourceType}.ndjson`, format: "fhir", source }) as const;
const socialCare = (key: FeedFileKey, layout: string) =>
  csv(key, "social-care", S.socialCare, layout, { windows: true, needsOrg: key === "scClients" });

export const FEED_FILES: readonly FeedFileSpec[] = [
  fhir("orgs", "reference", "ods", "Organization"),
  csv("postcodes", "reference", "ons-postcode-directory", "postcode-areas"),
  { key: "codeMap", file: "acute-pas/code-maps.csv", format: "code-map", source: S.acute },
  csv("gpPatients", "gp", S.gp, "gp-patients"),
  csv("gpRegistrations", "gp", S.gp, "gp-registrations"),
  csv("gpCoded", "gp", S.gp, "gp-coded-record"),
  fhir("gpMeds", "gp", S.gp, "MedicationRequest"),
  { key: "adt", file: "acute-pas/adt.hl7", format: "hl7", source: S.acute },
  fhir("acuteOutpatients", "acute-pas", S.acute, "Encounter"),
  csv("delays", "acute-pas", S.acute, "delayed-transfers"),
  fhir("cmPatients", "community-ehr", S.community, "Patient"),
  fhir("cmEncounters", "community-ehr", S.community, "Encounter"),
  fhir("mhPatients", "mental-health-ehr", S.mentalHealth, "Patient"),
  fhir("mhEncounters", "mental-health-ehr", S.mentalHealth, "Encounter"),
  socialCare("scClients", "sc-clients"),
  socialCare("scAssessments", "sc-assessments"),
  socialCare("scServices", "sc-services"),
  socialCare("scPlacements", "sc-placements"),
  fhir("gpPlans", "gp", S.gp, "EpisodeOfCare"),
  fhir("cmPlans", "community-ehr", S.community, "EpisodeOfCare"),
  fhir("mhPlans", "mental-health-ehr", S.mentalHealth, "EpisodeOfCare"),
  fhir("scPlans", "social-care", S.socialCare, "EpisodeOfCare"),
  csv("deaths", "death-registration", S.deathRegistration, "deaths"),
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
