import type { Rng } from "../core/rng.ts";
import { type ConditionSpec, pickConditionCode, STROKE_GP_CODE_BY_ICD10 } from "./conditions.ts";
import type { GenerationContext } from "./context.ts";
import type { Life } from "./life-events.ts";
import { ANTIDEPRESSANTS, acuteMedicine, FORMULARY } from "./medicines.ts";
import { ageInYears, type PersonBase } from "./person-model.ts";

// The GP record: a coded entry for each condition at its onset (the whole history, as a GP record holds
// it), observations during the history (blood pressure, BMI, smoking, blood tests and frailty scales) and
// prescriptions. Value observations follow the eFI value rules (efi-value-rules.md): a value shows a deficit
// only once the person has it, so both abnormal and normal values occur and the eFI computed from the
// record matches the person's latent deficits.

export interface GpEntryEvent {
  day: number;
  kind: "condition" | "observation" | "procedure";
  code: string;
  value: number | null;
  unit: string | null;
}

export interface MedicationIssueEvent {
  day: number;
  code: string;
  quantity: number;
  repeat: boolean;
}

export const OBSERVATION_CODES = {
  systolic: "271649006",
  diastolic: "271650006",
  bmi: "60621009",
  egfr: "80274001",
  haemoglobin: "271026005",
  falls: "391002003",
  barthel: "273302005",
  sixCit: "408492009",
  must: "444297006",
  fluVaccination: "86198006",
} as const;

export const SMOKING_CODES = { current: "77176002", ex: "8517006", never: "266919005" } as const;

const DAYS_PER_YEAR = 365.25;
/** Share of value-rule deficits shown only by a value, with no diagnostic code. */
const VALUE_ONLY = 0.4;

export interface GpRecord {
  entries: GpEntryEvent[];
  medications: MedicationIssueEvent[];
}

export function gpRecord(ctx: GenerationContext, base: PersonBase, life: Life, rng: Rng): GpRecord {
  const entries: GpEntryEvent[] = [];
  const medications: MedicationIssueEvent[] = [];
  const start = Math.max(base.registeredSince, ctx.historyStart);
  const stop = Math.min(life.exitDay ?? ctx.historyEnd + 1, ctx.historyEnd + 1); // exclusive
  const onsetOf = new Map<string, number>();
  for (const o of base.onsets) onsetOf.set(o.spec.id, o.day);
  const hasOn = (id: string, day: number) => (onsetOf.get(id) ?? Number.POSITIVE_INFINITY) <= day;
  const valueOnly = new Set<string>();

  const observe = (day: number, code: string, value: number, unit: string | null) =>
    entries.push({ day, kind: "observation", code, value, unit });

  // Conditions, coded at onset; stroke is coded as the type the hospital diagnosed.
  const strokeDiagnosis = life.spells.find((s) => s.diagnosis.startsWith("I6"))?.diagnosis;
  for (const onset of base.onsets) {
    if (onset.day >= stop) continue;
    const spec = onset.spec;
    if (spec.valueRule && spec.valueRule !== "egfr" && onset.day >= start && rng.chance(VALUE_ONLY)) {
      valueOnly.add(spec.id);
      observe(onset.day, ...abnormalValue(spec, base.female, rng));
      continue;
    }
    const code =
      spec.id === "stroke" && strokeDiagnosis && onset.day >= ctx.historyStart
        ? STROKE_GP_CODE_BY_ICD10[strokeDiagnosis]
        : pickConditionCode(spec, rng);
    entries.push({ day: onset.day, kind: "condition", code, value: null, unit: null });
    if (spec.valueRule === "egfr" && onset.day >= start)
      observe(onset.day, OBSERVATION_CODES.egfr, 30 + rng.int(30), "mL/min/1.73m2");
  }

  // Observations, year by year through the history.
  const smokingCode = SMOKING_CODES[base.smoking];
  let smokingRecorded = false;
  let bmiRecorded = false;
  for (let yearStart = start; yearStart < stop; yearStart += 365) {
    const yearEnd = Math.min(stop, yearStart + 365);
    const span = yearEnd - yearStart;
    const fraction = span / 365;
    const age = ageInYears(base.birthDay, yearStart);
    if (age < 16) continue;
    let ltcs = 0;
    for (const o of base.onsets) if (o.spec.ltc && o.day <= yearStart) ltcs++;
    const hypertensive = hasOn("hypertension", yearStart);
    const frailScales = age >= 65 && countDeficitsAt(base.onsets, yearStart) >= 5;
    const at = () => yearStart + rng.int(span);
    const times = (rate: number) => rng.poisson(rate * fraction);

    for (let n = times(hypertensive ? 0.55 : ltcs > 0 ? 0.35 : age >= 40 ? 0.08 : 0.03); n > 0; n--) {
      const day = at();
      const high = hasOn("hypertension", day);
      observe(
        day,
        OBSERVATION_CODES.systolic,
        Math.round(rng.normal(high ? 142 : 124, high ? 14 : 12)),
        "mm[Hg]",
      );
      observe(day, OBSERVATION_CODES.diastolic, Math.round(rng.normal(high ? 84 : 77, 8.5)), "mm[Hg]");
    }
    for (let n = times(ltcs > 0 ? 0.25 : 0.04); n > 0; n--) {
      observe(at(), OBSERVATION_CODES.bmi, Math.round((base.bmi + rng.normal(0, 0.6)) * 10) / 10, "kg/m2");
      bmiRecorded = true;
    }
    for (let n = times(ltcs > 0 ? 0.25 : 0.04); n > 0; n--) {
      entries.push({ day: at(), kind: "observation", code: smokingCode, value: null, unit: null });
      smokingRecorded = true;
    }
    const renalCheck =
      age >= 65 || hasOn("diabetes", yearStart) || hypertensive || hasOn("chronic-kidney-disease", yearStart);
    for (let n = times(renalCheck ? 0.5 : 0); n > 0; n--) {
      const day = at();
      const value = hasOn("chronic-kidney-disease", day)
        ? 30 + rng.int(30)
        : Math.max(60, Math.round(rng.normal(92 - 0.45 * Math.max(0, age - 40), 11)));
      observe(day, OBSERVATION_CODES.egfr, value, "mL/min/1.73m2");
    }
    for (let n = times(age >= 65 || hasOn("anaemia", yearStart) ? 0.25 : 0.03); n > 0; n--) {
      const day = at();
      const low = hasOn("anaemia", day);
      observe(day, OBSERVATION_CODES.haemoglobin, haemoglobin(base.female, low, rng), "g/L");
    }
    for (let n = times(hasOn("falls", yearStart) ? 0.6 : age >= 75 ? 0.25 : 0); n > 0; n--) {
      const day = at();
      observe(day, OBSERVATION_CODES.falls, hasOn("falls", day) ? 1 + rng.int(4) : 0, null);
    }
    for (let n = times(frailScales ? 0.25 : 0); n > 0; n--) {
      const day = at();
      observe(
        day,
        OBSERVATION_CODES.barthel,
        hasOn("activity-limitation", day) ? 6 + rng.int(13) : 19 + rng.int(2),
        null,
      );
    }
    const memoryConcern = hasOn("memory-problems", yearStart) || hasOn("dementia", yearStart);
    for (let n = times(memoryConcern ? 0.5 : age >= 75 ? 0.12 : 0); n > 0; n--) {
      const day = at();
      const impaired = hasOn("memory-problems", day) || hasOn("dementia", day);
      observe(day, OBSERVATION_CODES.sixCit, impaired ? 8 + rng.int(21) : rng.int(8), null);
    }
    for (let n = times(frailScales && age >= 75 ? 0.25 : 0); n > 0; n--) {
      const day = at();
      observe(day, OBSERVATION_CODES.must, hasOn("weight-loss-and-anorexia", day) ? 1 + rng.int(3) : 0, null);
    }
    if (rng.chance(Math.min(1, (age >= 65 ? 0.72 : ltcs > 0 ? 0.08 : 0.01) * fraction))) {
      const day = yearStart + rng.int(span);
      entries.push({
        day,
        kind: "procedure",
        code: OBSERVATION_CODES.fluVaccination,
        value: null,
        unit: null,
      });
    }
  }

  // Every adult has a smoking status and a BMI on record: from the new-patient check, or from before the history.
  const adultAt = base.birthDay + Math.ceil(16 * DAYS_PER_YEAR);
  if (stop > adultAt && stop > start) {
    const earliest = Math.max(adultAt, base.arrival === "resident" ? start - 3 * 365 : start);
    const latest = Math.max(earliest, Math.min(stop - 1, base.arrival === "resident" ? start : start + 60));
    const day = () => earliest + rng.int(latest - earliest + 1);
    if (!smokingRecorded)
      entries.push({ day: day(), kind: "observation", code: smokingCode, value: null, unit: null });
    if (!bmiRecorded) observe(day(), OBSERVATION_CODES.bmi, base.bmi, "kg/m2");
  }

  // Repeat prescriptions every 8 or 12 weeks, and acute courses.
  const interval = rng.chance(0.1) ? 56 : 84;
  const medicines = [...base.medicines];
  const firstMentalHealth = life.contacts.find(
    (c) =>
      c.setting === "mental-health" &&
      c.service !== "memory-clinic" &&
      ageInYears(base.birthDay, c.day) >= 18,
  );
  if (firstMentalHealth && rng.chance(0.6)) {
    medicines.push({
      code: rng.pick(ANTIDEPRESSANTS),
      startDay: firstMentalHealth.day,
      endDay: firstMentalHealth.day + 180 + rng.int(540),
    });
  }
  for (const medicine of medicines) {
    const unitsPerDay = FORMULARY.get(medicine.code)?.unitsPerDay ?? null;
    let day = medicine.startDay < start ? start + rng.int(interval) : medicine.startDay;
    const last = Math.min(stop, medicine.endDay);
    while (day < last) {
      const quantity = unitsPerDay === null ? 1 : Math.max(1, Math.round(unitsPerDay * interval));
      medications.push({ day, code: medicine.code, quantity, repeat: true });
      day += interval - 7 + rng.int(15);
    }
  }
  const copdOrAsthma = onsetOf.has("copd") || onsetOf.has("asthma");
  for (let yearStart = start; yearStart < stop; yearStart += 365) {
    const span = Math.min(stop, yearStart + 365) - yearStart;
    const age = ageInYears(base.birthDay, yearStart);
    let ltcs = 0;
    for (const o of base.onsets) if (o.spec.ltc && o.day <= yearStart) ltcs++;
    const rate = 0.09 + 0.06 * ltcs + (age < 5 ? 0.15 : 0) + (age >= 75 ? 0.2 : 0);
    for (let n = rng.poisson((rate * span) / 365); n > 0; n--) {
      const code = acuteMedicine(age, base.female, copdOrAsthma, rng);
      const perDay = FORMULARY.get(code)?.unitsPerDay ?? 1;
      medications.push({
        day: yearStart + rng.int(span),
        code,
        quantity: Math.round(perDay * (5 + rng.int(3) * 2)),
        repeat: false,
      });
    }
  }
  return { entries, medications };
}

function countDeficitsAt(onsets: PersonBase["onsets"], day: number): number {
  const deficits = new Set<string>();
  for (const o of onsets) if (o.day <= day) deficits.add(o.spec.deficitId);
  return deficits.size;
}

function haemoglobin(female: boolean, low: boolean, rng: Rng): number {
  if (low) return female ? 90 + rng.int(24) : 100 + rng.int(29);
  return female ? 120 + rng.int(31) : 135 + rng.int(31);
}

/** An observation that shows a value-rule deficit: [code, value, unit]. */
function abnormalValue(spec: ConditionSpec, female: boolean, rng: Rng): [string, number, string | null] {
  switch (spec.valueRule) {
    case "haemoglobin":
      return [OBSERVATION_CODES.haemoglobin, haemoglobin(female, true, rng), "g/L"];
    case "barthel":
      return [OBSERVATION_CODES.barthel, 6 + rng.int(13), null];
    case "six-cit":
      return [OBSERVATION_CODES.sixCit, 8 + rng.int(21), null];
    case "must":
      return [OBSERVATION_CODES.must, 1 + rng.int(3), null];
    case "falls":
      return [OBSERVATION_CODES.falls, 1 + rng.int(4), null];
    default:
      return [OBSERVATION_CODES.egfr, 30 + rng.int(30), "mL/min/1.73m2"];
  }
}
