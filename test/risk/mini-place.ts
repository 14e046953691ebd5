// A small synthetic place for model, cohort and register tests, with real signal: older and frailer people,
// and people admitted before, are admitted more. Independent of src/synth so these tests stand alone.
import { addDays, fromDayNumber, toDayNumber } from "../../src/core/dates.ts";
import { uuidFromRandom } from "../../src/core/ids.ts";
import { createRng } from "../../src/core/rng.ts";
import { DEFICITS } from "../../src/risk/efi-definition.ts";
import { readEfiCodes } from "../../src/risk/efi-reference.ts";
import { BulkLoader, type Db } from "../../src/store/index.ts";
import { createOrganisations, PRACTICES } from "./place.ts";

const RECEIVED = "2016-04-01T00:00:00Z";
const HISTORY_START = toDayNumber("2012-04-01");
const HISTORY_END = toDayNumber("2016-03-31");

const shapes = {
  person: {
    table: "person",
    columns: [
      "person_id",
      "family_name",
      "given_name",
      "birth_date",
      "sex",
      "area_code",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  registration: {
    table: "registration",
    columns: [
      "person_id",
      "registration_id",
      "practice_code",
      "registered_on",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  gp: {
    table: "gp_entry",
    columns: [
      "person_id",
      "entry_id",
      "practice_code",
      "recorded_on",
      "entry_kind",
      "code_system",
      "code",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  spell: {
    table: "hospital_spell",
    columns: [
      "person_id",
      "spell_id",
      "provider_code",
      "admitted_at",
      "admission_method",
      "patient_class",
      "discharged_at",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  ae: {
    table: "ae_attendance",
    columns: [
      "person_id",
      "attendance_id",
      "provider_code",
      "arrived_at",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  service: {
    table: "social_care_service",
    columns: [
      "person_id",
      "service_id",
      "client_id",
      "service_type",
      "started_on",
      "funding",
      "source_system",
      "source_record_id",
      "received_at",
    ],
  },
  death: {
    table: "death",
    columns: ["person_id", "died_on", "source_system", "source_record_id", "received_at"],
  },
} as const;

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
    const add = async (
      shape: { table: string; columns: readonly string[] },
      values: (string | number | null)[],
    ) => {
      const wait = loader.add(shape, values);
      if (wait) await wait;
    };
    for (let i = 0; i < people; i++) {
      const id = randomUUID();
      const age = Math.min(99, Math.floor(rng.next() < 0.25 ? 65 + rng.next() * 35 : rng.next() * 65));
      const birth = fromDayNumber(toDayNumber("2014-04-01") - age * 365 - rng.int(365));
      const frailty = rng.normal(0, 1) + Math.max(0, age - 60) / 12;
      const deprived = rng.chance(0.3);
      await add(shapes.person, [
        id,
        "Mini",
        "Person",
        birth,
        rng.chance(0.5) ? "male" : "female",
        deprived ? "A1" : "A10",
        "test",
        id,
        RECEIVED,
      ]);
      await add(shapes.registration, [
        id,
        randomUUID(),
        practices[i % practices.length],
        "2000-01-01",
        "test",
        id,
        RECEIVED,
      ]);
      const deficits = Math.min(35, rng.poisson(Math.exp(-1 + 0.55 * frailty)));
      const chosen = rng.shuffle([...coded.keys()]).slice(0, deficits);
      for (const d of chosen) {
        const on = fromDayNumber(HISTORY_START - 2000 + rng.int(HISTORY_END - HISTORY_START + 1500));
        const e = randomUUID();
        await add(shapes.gp, [
          id,
          e,
          "Z90001",
          on,
          "condition",
          "http://snomed.info/sct",
          coded[d],
          "test",
          e,
          RECEIVED,
        ]);
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
          await add(shapes.spell, [
            id,
            s,
            "ZZA01",
            admitted,
            "emergency",
            "inpatient",
            discharged,
            "test",
            s,
            RECEIVED,
          ]);
          const a = randomUUID();
          await add(shapes.ae, [id, a, "ZZA01", `${fromDayNumber(at)}T08:00:00Z`, "test", a, RECEIVED]);
        }
        if (diedOn === null && age > 80 && rng.chance(0.004 * (1 + deficits))) diedOn = day + rng.int(91);
      }
      if (deficits >= 5 && rng.chance(0.5)) {
        const sv = randomUUID();
        await add(shapes.service, [
          id,
          sv,
          `C${i}`,
          "home-care",
          fromDayNumber(HISTORY_START + rng.int(900)),
          "council",
          "test",
          sv,
          RECEIVED,
        ]);
      }
      if (diedOn !== null && diedOn <= HISTORY_END) {
        await add(shapes.death, [id, fromDayNumber(diedOn), "test", id, RECEIVED]);
      }
    }
    await loader.finish();
  });
  return { people };
}
