// A small synthetic place for model, cohort and register tests, with real signal: older and frailer people,
// and people admitted before, are admitted more. Independent of src/synth so these tests stand alone.
import { addDays, fromDayNumber, toDayNumber } from "../../src/core/dates.ts";
import { uuidFromRandom } from "../../src/core/ids.ts";
import { createRng } from "../../src/core/rng.ts";
import { DEFICITS } from "../../src/risk/efi-definition.ts";
import { readEfiCodes } from "../../src/risk/efi-reference.ts";
import type { Db } from "../../src/store/index.ts";
import { BulkLoader, CATALOGUE, type CopyRow, type Table, type TableName } from "../../src/store/index.ts";
import { createOrganisations, PRACTICES } from "./place.ts";

const RECEIVED = "2016-04-01T00:00:00Z";
const HISTORY_START = toDayNumber("2012-04-01");
const HISTORY_END = toDayNumber("2016-03-31");

export interface MiniPlace {
  people: number;
}

/** Loads `people` people with four years of history (2012-04-01 to 2016-03-31). */
export async function loadMiniPlace(db: Db, people: number, seed = "mini"): Promise<MiniPlace> {
  await createOrganisations(db);
  const rng = createRng(seed);
  const ids = createRng(`${seed}-ids`);
  const randomUUID = () => uuidFromRandom(() => ids.nextUint32());
  const codes = readEfiCodes();
  const coded = DEFICITS.filter((d) => d.id !== "polypharmacy").map(
    (d) => codes.find((c) => c.deficitId === d.id)?.code ?? "",
  );
  const practices = Object.keys(PRACTICES);
  await db.transaction(async (tx) => {
    const loader = new BulkLoader(tx);
    // Columns a row leaves out load as null.
    const add = async <T extends TableName>(table: Table<T>, row: Partial<CopyRow<T>>) => {
      const wait = loader.add(table, row);
      if (wait) await wait;
    };
    for (let i = 0; i < people; i++) {
      const id = randomUUID();
      const age = Math.min(99, Math.floor(rng.next() < 0.25 ? 65 + rng.next() * 35 : rng.next() * 65));
      const birth = fromDayNumber(toDayNumber("2014-04-01") - age * 365 - rng.int(365));
      const frailty = rng.normal(0, 1) + Math.max(0, age - 60) / 12;
      const deprived = rng.chance(0.3);
      await add(CATALOGUE.person, {
        person_id: id,
        family_name: "Mini",
        given_name: "Person",
        birth_date: birth,
        sex: rng.chance(0.5) ? "male" : "female",
        area_code: deprived ? "A1" : "A10",
        source_system: "test",
        source_record_id: id,
        received_at: RECEIVED,
      });
      await add(CATALOGUE.registration, {
        person_id: id,
        registration_id: randomUUID(),
        practice_code: practices[i % practices.length],
        registered_on: "2000-01-01",
        source_system: "test",
        source_record_id: id,
        received_at: RECEIVED,
      });
      const deficits = Math.min(35, rng.poisson(Math.exp(-1 + 0.55 * frailty)));
      const chosen = rng.shuffle([...coded.keys()]).slice(0, deficits);
      for (const d of chosen) {
        const on = fromDayNumber(HISTORY_START - 2000 + rng.int(HISTORY_END - HISTORY_START + 1500));
        const e = randomUUID();
        await add(CATALOGUE.gp_entry, {
          person_id: id,
          entry_id: e,
          practice_code: "Z90001",
          recorded_on: on,
          entry_kind: "condition",
          code_system: "http://snomed.info/sct",
          code: coded[d],
          source_system: "test",
          source_record_id: e,
          received_at: RECEIVED,
        });
      }
      const propensity = rng.normal(0, 0.6);
      let diedOn: number | null = null;
      for (let day = HISTORY_START; day <= HISTORY_END && diedOn === null; day += 91) {
        const rate =
          Math.exp(
            -3.6 + 0.035 * Math.max(0, age - 40) + 0.18 * deficits + propensity + (deprived ? 0.3 : 0),
          ) / 4;
        for (let k = rng.poisson(rate); k > 0; k--) {
          const at = day + rng.int(91);
          if (at > HISTORY_END) continue;
          const s = randomUUID();
          const admitted = `${fromDayNumber(at)}T10:00:00Z`;
          const discharged = `${addDays(fromDayNumber(at), 1 + rng.int(8))}T12:00:00Z`;
          await add(CATALOGUE.hospital_spell, {
            person_id: id,
            spell_id: s,
            provider_code: "ZZA01",
            admitted_at: admitted,
            admission_method: "emergency",
            patient_class: "inpatient",
            discharged_at: discharged,
            source_system: "test",
            source_record_id: s,
            received_at: RECEIVED,
          });
          const a = randomUUID();
          await add(CATALOGUE.ae_attendance, {
            person_id: id,
            attendance_id: a,
            provider_code: "ZZA01",
            arrived_at: `${fromDayNumber(at)}T08:00:00Z`,
            source_system: "test",
            source_record_id: a,
            received_at: RECEIVED,
          });
        }
        if (diedOn === null && age > 80 && rng.chance(0.004 * (1 + deficits))) diedOn = day + rng.int(91);
      }
      if (deficits >= 5 && rng.chance(0.5)) {
        const sv = randomUUID();
        await add(CATALOGUE.social_care_service, {
          person_id: id,
          service_id: sv,
          client_id: `C${i}`,
          service_type: "home-care",
          started_on: fromDayNumber(HISTORY_START + rng.int(900)),
          funding: "council",
          source_system: "test",
          source_record_id: sv,
          received_at: RECEIVED,
        });
      }
      if (diedOn !== null && diedOn <= HISTORY_END) {
        await add(CATALOGUE.death, {
          person_id: id,
          died_on: fromDayNumber(diedOn),
          source_system: "test",
          source_record_id: id,
          received_at: RECEIVED,
        });
      }
    }
    await loader.finish();
  });
  return { people };
}
