import { invalid } from "../../core/errors.ts";
import { createRng } from "../../core/rng.ts";
import type { NamedRow, TableShape } from "../../store/index.ts";
import { type SynthConfig, validateSynthConfig } from "../config.ts";
import { createContext } from "../context.ts";
import { generatePlace } from "../generate.ts";
import { acutePasLines, acuteWardKinds } from "./acute-pas.ts";
import { carePlanLines } from "./care-plans.ts";
import { communityMentalHealthLines } from "./community-mental-health.ts";
import { deathRegistrationLines } from "./death-registration.ts";
import {
  type DamagedRecord,
  DEFAULT_FEED_FAULTS,
  type FaultDice,
  type FeedFaults,
  faultDice,
} from "./faults.ts";
import { FeedFiles, type FeedLine, feedManifest, writeJson } from "./feed-files.ts";
import { TextFile } from "./files.ts";
import { gpLines } from "./gp.ts";
import { type PersonRows, personRows } from "./person-rows.ts";
import { organisationResource, ReferenceData } from "./reference.ts";
import { socialCareLines } from "./social-care.ts";

// The synthetic place as its source systems would send it: the hospital's ADT messages (HL7v2), FHIR NDJSON
// from the community and mental health systems (and the GP's medicines and care plans), CSV extracts from
// the GP and social care systems and the death register, and reference data (organisations as FHIR, postcodes
// and small areas as CSV). The generator's own faults (missing and mistyped NHS Numbers, name variants,
// duplicate client records, stale addresses) are in the rows already; the feeds add the faults of transport
// (faults.ts). A manifest says what each file is, in load order; truth.tsv and faults.json are for scoring,
// not feeds. Each source system has its writer, a function from a person's rows to lines (acute-pas.ts,
// gp.ts, community-mental-health.ts, social-care.ts, care-plans.ts, death-registration.ts, reference.ts);
// this file runs the generator, hands each person to them and writes what they return (feed-files.ts).

export { type DamagedRecord, DEFAULT_FEED_FAULTS, type FeedFaults };

export interface FeedWriteResult {
  dir: string;
  files: Record<string, number>;
  damaged: DamagedRecord[];
  messages: number;
}

/**
 * Every source's lines for one person. The writers run in this order because they draw their faults from one
 * seeded stream: reordering them changes the output.
 */
function personLines(p: PersonRows, acute: string, dice: FaultDice): FeedLine[] {
  return [
    ...acutePasLines(p, acute, dice),
    ...communityMentalHealthLines(p, dice),
    ...gpLines(p, dice),
    ...socialCareLines(p, dice),
    ...carePlanLines(p),
    ...deathRegistrationLines(p),
  ];
}

export async function writeFeeds(
  config: SynthConfig,
  dir: string,
  faults: FeedFaults = DEFAULT_FEED_FAULTS,
): Promise<FeedWriteResult> {
  validateSynthConfig(config);
  if ((config.places ?? 1) > 1) {
    throw invalid(
      "synth.feeds-one-place",
      "Feeds are written for one place at a time (its own hospital, council and GP systems); leave out --places",
    );
  }
  const { place } = createContext(config);
  const acute = place.acute.code;
  const dice = faultDice(createRng(`${config.seed}:feeds`), faults);
  const files = new FeedFiles(dir);
  const truth = new TextFile(dir, "truth.tsv");
  const reference = new ReferenceData();

  const writePerson = (rows: [TableShape, NamedRow][]) => {
    const p = personRows(rows);
    if (!p) return;
    for (const t of p.tables.get("synth_truth") ?? [])
      files.hold(truth.write(`${t.person_id}\t${t.source_system}\t${t.source_record_id}\n`));
    reference.addPerson(p, acuteWardKinds(p));
    files.write(personLines(p, acute, dice));
  };

  // The generator gives a person's rows one by one, the person row first; a person is written when the next begins.
  let current: [TableShape, NamedRow][] = [];
  await generatePlace(config, {
    add(shape: TableShape, values: NamedRow): Promise<void> | undefined {
      if (shape.name === "organisation" || shape.name === "site") {
        files.write([["orgs", organisationResource(values, shape.name === "site")]]);
        return files.drain();
      }
      if (shape.name === "area") {
        reference.addArea(values);
        return undefined;
      }
      if (shape.name === "person" && current.length > 0) {
        writePerson(current);
        current = [];
      }
      current.push([shape, values]);
      return files.drain();
    },
  });
  if (current.length > 0) writePerson(current);
  files.write(reference.lines(place));
  const counts = await files.close();
  await truth.close();

  writeJson(
    dir,
    "manifest.json",
    feedManifest(
      `Synthetic place feeds: seed ${JSON.stringify(config.seed)}, ${config.people} people, ${config.historyStart} to ${config.historyEnd}`,
      place.council.code,
    ),
  );
  writeJson(dir, "faults.json", { faults, damaged: dice.damaged });
  return { dir, files: counts, damaged: dice.damaged, messages: counts.adt };
}
