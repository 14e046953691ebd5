import { mistypeNhsNumber } from "../core/nhs-number.ts";
import type { Rng } from "../core/rng.ts";
import type { GenerationContext } from "./context.ts";
import type { Life } from "./life-events.ts";
import { nameVariant } from "./names.ts";
import type { PersonBase } from "./person-model.ts";
import { clientIdSystem, hospitalNumberSystem, SOURCE_SYSTEM, type SourceSystem } from "./source-systems.ts";
import { dateText, messageAt, nightlyExtractAt } from "./timestamps.ts";

// Each source system's own record of a person, faults and all. The GP record is correct; the hospital
// sometimes lacks the NHS Number; the council's social care records lack or mistype it, spell names another
// way, keep the postcode from when the client record was opened, and sometimes open a second client record.

export interface SourceRecord {
  system: SourceSystem;
  recordId: string;
  nhsNumber: string | null;
  family: string;
  given: string;
  birthDate: string;
  sex: string;
  postcode: string;
  receivedAt: string;
  /** The identifier this record gives the person (hospital number, client id), if it is one the place keeps. */
  identifier: { system: string; value: string } | null;
  /** For social care duplicates: events on or after this day may be recorded against this record. */
  usedFrom?: number;
}

const ID_SPACE = 10_000_000;

/** A 7-digit number unique to (index, offset): index * 7,654,321 mod 10^7 is a bijection on 0..10^7-1. */
function localNumber(index: number, offset: number): string {
  const n = (((index + offset) % ID_SPACE) * 7_654_321 + 1_234_567) % ID_SPACE;
  return String(n).padStart(7, "0");
}

function hospitalNumber(index: number): string {
  return `RH${localNumber(index, 0)}`;
}

function clientId(index: number, duplicate: boolean): string {
  return `SC${localNumber(index, duplicate ? 5_000_000 : 0)}`;
}

/** The postcode a person had on a day (the address they lived at then). */
function postcodeOn(life: Life, day: number): string {
  let postcode = life.addresses[0].postcode;
  for (const a of life.addresses) if (a.from <= day) postcode = a.postcode;
  return postcode;
}

function firstHospitalContact(life: Life): number | null {
  let first: number | null = null;
  for (const s of life.spells) if (first === null || s.admitted < first) first = s.admitted;
  for (const a of life.ae) if (first === null || a.arrived < first) first = a.arrived;
  for (const o of life.outpatients) {
    const t = o.day * 86_400 + 9 * 3600;
    if (first === null || t < first) first = t;
  }
  return first;
}

export function sourceRecords(
  ctx: GenerationContext,
  base: PersonBase,
  life: Life,
  rng: Rng,
): SourceRecord[] {
  const { faults } = ctx.config;
  const extracted = (day: number) => nightlyExtractAt(Math.max(day, ctx.historyStart));
  const latestPostcode = life.addresses[life.addresses.length - 1].postcode;
  const person = {
    nhsNumber: base.nhsNumber,
    family: base.name.family,
    given: base.name.given,
    birthDate: dateText(base.birthDay),
    sex: base.female ? "female" : "male",
  };
  const idx = base.index.toString(36);
  const records: SourceRecord[] = [];

  if (life.registrations.length > 0) {
    records.push({
      system: SOURCE_SYSTEM.gp,
      recordId: `gp-${idx}`,
      ...person,
      postcode: latestPostcode,
      receivedAt: extracted(life.registrations[0].from),
      identifier: null,
    });
  }

  const hospitalFirst = firstHospitalContact(life);
  if (hospitalFirst !== null) {
    const mrn = hospitalNumber(base.index);
    records.push({
      system: SOURCE_SYSTEM.acute,
      recordId: mrn,
      ...person,
      nhsNumber: rng.chance(faults.hospitalMissingNhsNumber) ? null : person.nhsNumber,
      postcode: latestPostcode,
      receivedAt: messageAt(hospitalFirst, 3),
      identifier: { system: hospitalNumberSystem(ctx.place.acute.code), value: mrn },
    });
  }

  for (const [setting, system, prefix] of [
    ["community", SOURCE_SYSTEM.community, "CM"],
    ["mental-health", SOURCE_SYSTEM.mentalHealth, "MH"],
  ] as const) {
    const first = life.contacts.find((c) => c.setting === setting);
    if (!first) continue;
    records.push({
      system,
      recordId: `${prefix}${localNumber(base.index, 0)}`,
      ...person,
      postcode: latestPostcode,
      receivedAt: extracted(first.day),
      identifier: null,
    });
  }

  const since = life.social.clientSince;
  if (since !== null) {
    const clientSystem = clientIdSystem(ctx.place.council.code);
    const socialCareRecord = (duplicate: boolean, day: number): SourceRecord => {
      const id = clientId(base.index, duplicate);
      let nhsNumber = person.nhsNumber;
      const u = rng.next();
      const missing = duplicate ? 0.6 : faults.socialCareMissingNhsNumber;
      if (u < missing || nhsNumber === null) nhsNumber = null;
      else if (u < missing + faults.socialCareMistypedNhsNumber)
        nhsNumber = mistypeNhsNumber(nhsNumber, (n) => rng.int(n));
      const name = rng.chance(duplicate ? 0.5 : faults.nameVariant) ? nameVariant(base.name, rng) : base.name;
      return {
        system: SOURCE_SYSTEM.socialCare,
        recordId: id,
        ...person,
        nhsNumber,
        family: name.family,
        given: name.given,
        // Social care keeps the address it was first given, so a later move leaves the postcode stale.
        postcode: postcodeOn(life, day),
        receivedAt: extracted(day),
        identifier: { system: clientSystem, value: id },
      };
    };
    records.push(socialCareRecord(false, since));
    if (rng.chance(faults.duplicateSocialCareRecord)) {
      const end = life.exitDay ?? ctx.historyEnd;
      const from =
        Math.max(since, ctx.historyStart) + rng.int(Math.max(1, end - Math.max(since, ctx.historyStart) + 1));
      records.push({ ...socialCareRecord(true, from), usedFrom: from });
    }
  }
  return records;
}
