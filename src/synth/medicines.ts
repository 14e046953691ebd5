import type { Rng } from "../core/rng.ts";
import type { Onset } from "./onset.ts";

// A formulary of common primary-care medicines, coded in the local system MEDICINE_CODE_SYSTEM
// (urn:oneplace:local:medicine) with readable codes. dm+d codes are not used: a wrong dm+d code would be worse
// than an honest local one. Distinct codes are what the eFI polypharmacy rule counts (5 or more in 12 months).

export interface Medicine {
  code: string;
  display: string;
  /** Units per day, for the quantity on a 28-day basis; inhalers and sprays are issued one at a time. */
  unitsPerDay: number | null;
}

const FORMULARY_LINES = `
amlodipine-5mg-tablets|Amlodipine 5mg tablets|1
ramipril-5mg-capsules|Ramipril 5mg capsules|1
lisinopril-10mg-tablets|Lisinopril 10mg tablets|1
losartan-50mg-tablets|Losartan 50mg tablets|1
bendroflumethiazide-2.5mg-tablets|Bendroflumethiazide 2.5mg tablets|1
indapamide-2.5mg-tablets|Indapamide 2.5mg tablets|1
doxazosin-4mg-tablets|Doxazosin 4mg tablets|1
metformin-500mg-tablets|Metformin 500mg tablets|2
gliclazide-80mg-tablets|Gliclazide 80mg tablets|2
sitagliptin-100mg-tablets|Sitagliptin 100mg tablets|1
atorvastatin-20mg-tablets|Atorvastatin 20mg tablets|1
aspirin-75mg-dispersible-tablets|Aspirin 75mg dispersible tablets|1
clopidogrel-75mg-tablets|Clopidogrel 75mg tablets|1
bisoprolol-2.5mg-tablets|Bisoprolol 2.5mg tablets|1
glyceryl-trinitrate-400mcg-spray|Glyceryl trinitrate 400micrograms/dose sublingual spray|
isosorbide-mononitrate-60mg-mr-tablets|Isosorbide mononitrate 60mg modified-release tablets|1
apixaban-5mg-tablets|Apixaban 5mg tablets|2
warfarin-1mg-tablets|Warfarin 1mg tablets|3
digoxin-125mcg-tablets|Digoxin 125microgram tablets|1
furosemide-40mg-tablets|Furosemide 40mg tablets|1
spironolactone-25mg-tablets|Spironolactone 25mg tablets|1
salbutamol-100mcg-inhaler|Salbutamol 100micrograms/dose inhaler|
beclometasone-100mcg-inhaler|Beclometasone 100micrograms/dose inhaler|
tiotropium-18mcg-inhalation-capsules|Tiotropium 18microgram inhalation powder capsules|1
fluticasone-salmeterol-250-25-inhaler|Fluticasone 250micrograms/dose / salmeterol 25micrograms/dose inhaler|
donepezil-5mg-tablets|Donepezil 5mg tablets|1
memantine-10mg-tablets|Memantine 10mg tablets|1
paracetamol-500mg-tablets|Paracetamol 500mg tablets|8
co-codamol-30-500-tablets|Co-codamol 30mg/500mg tablets|8
naproxen-500mg-tablets|Naproxen 500mg tablets|2
alendronic-acid-70mg-tablets|Alendronic acid 70mg tablets|0.143
calcium-colecalciferol-chewable-tablets|Calcium carbonate 1.5g / colecalciferol 400unit chewable tablets|2
levothyroxine-50mcg-tablets|Levothyroxine 50microgram tablets|1
omeprazole-20mg-capsules|Omeprazole 20mg gastro-resistant capsules|1
lansoprazole-30mg-capsules|Lansoprazole 30mg gastro-resistant capsules|1
solifenacin-5mg-tablets|Solifenacin 5mg tablets|1
tamsulosin-400mcg-mr-capsules|Tamsulosin 400microgram modified-release capsules|1
zopiclone-7.5mg-tablets|Zopiclone 7.5mg tablets|1
mirtazapine-15mg-tablets|Mirtazapine 15mg tablets|1
co-careldopa-25-100-tablets|Co-careldopa 25mg/100mg tablets|3
ferrous-fumarate-210mg-tablets|Ferrous fumarate 210mg tablets|2
betahistine-8mg-tablets|Betahistine 8mg tablets|3
sertraline-50mg-tablets|Sertraline 50mg tablets|1
citalopram-20mg-tablets|Citalopram 20mg tablets|1
amoxicillin-500mg-capsules|Amoxicillin 500mg capsules|3
nitrofurantoin-100mg-mr-capsules|Nitrofurantoin 100mg modified-release capsules|2
trimethoprim-200mg-tablets|Trimethoprim 200mg tablets|2
flucloxacillin-500mg-capsules|Flucloxacillin 500mg capsules|4
doxycycline-100mg-capsules|Doxycycline 100mg capsules|1
clarithromycin-500mg-tablets|Clarithromycin 500mg tablets|2
prednisolone-5mg-tablets|Prednisolone 5mg tablets|6
ibuprofen-400mg-tablets|Ibuprofen 400mg tablets|3
chlorphenamine-4mg-tablets|Chlorphenamine 4mg tablets|3
`;

export const FORMULARY: ReadonlyMap<string, Medicine> = new Map(
  FORMULARY_LINES.trim()
    .split("\n")
    .map((line) => {
      const [code, display, perDay] = line.split("|");
      return [code, { code, display, unitsPerDay: perDay ? Number(perDay) : null }] as const;
    }),
);

/** Taken with `probability`, one of `options`; stopped after a mean of `meanYears` (otherwise taken for life). */
type Slot = readonly [probability: number, options: readonly string[], meanYears?: number];

const STATIN = "atorvastatin-20mg-tablets";
/** Deficits other than the LTCs are treated less often than their regimens suggest: many are symptoms. */
const OTHER_DEFICIT_TREATMENT = 0.22;

/** Repeat medicines each condition may bring: each slot is taken with its probability, one option from it. */
const REGIMENS: Readonly<Record<string, readonly Slot[]>> = {
  hypertension: [
    [0.5, ["amlodipine-5mg-tablets"]],
    [
      0.45,
      ["ramipril-5mg-capsules", "ramipril-5mg-capsules", "lisinopril-10mg-tablets", "losartan-50mg-tablets"],
    ],
    [0.15, ["bendroflumethiazide-2.5mg-tablets", "indapamide-2.5mg-tablets"]],
    [0.05, ["doxazosin-4mg-tablets"]],
  ],
  diabetes: [
    [0.88, ["metformin-500mg-tablets"]],
    [0.28, ["gliclazide-80mg-tablets"]],
    [0.1, ["sitagliptin-100mg-tablets"]],
    [0.55, [STATIN]],
  ],
  "coronary-heart-disease": [
    [0.85, ["aspirin-75mg-dispersible-tablets"]],
    [0.85, [STATIN]],
    [0.6, ["bisoprolol-2.5mg-tablets"]],
    [0.45, ["glyceryl-trinitrate-400mcg-spray"]],
    [0.12, ["isosorbide-mononitrate-60mg-mr-tablets"]],
  ],
  "atrial-fibrillation": [
    [0.75, ["apixaban-5mg-tablets", "apixaban-5mg-tablets", "warfarin-1mg-tablets"]],
    [0.6, ["bisoprolol-2.5mg-tablets"]],
    [0.08, ["digoxin-125mcg-tablets"]],
  ],
  "heart-failure": [
    [0.85, ["furosemide-40mg-tablets"]],
    [0.6, ["ramipril-5mg-capsules"]],
    [0.6, ["bisoprolol-2.5mg-tablets"]],
    [0.3, ["spironolactone-25mg-tablets"]],
  ],
  stroke: [
    [0.85, ["clopidogrel-75mg-tablets"]],
    [0.8, [STATIN]],
  ],
  "transient-ischaemic-attack": [
    [0.75, ["clopidogrel-75mg-tablets"]],
    [0.7, [STATIN]],
  ],
  copd: [
    [0.95, ["salbutamol-100mcg-inhaler"]],
    [0.55, ["tiotropium-18mcg-inhalation-capsules"]],
    [0.45, ["fluticasone-salmeterol-250-25-inhaler"]],
  ],
  asthma: [
    [0.3, ["salbutamol-100mcg-inhaler"], 5],
    [0.15, ["beclometasone-100mcg-inhaler"], 5],
  ],
  dementia: [
    [0.55, ["donepezil-5mg-tablets"]],
    [0.12, ["memantine-10mg-tablets"]],
  ],
  "chronic-kidney-disease": [[0.2, [STATIN]]],
  arthritis: [
    [0.45, ["paracetamol-500mg-tablets"]],
    [0.25, ["co-codamol-30-500-tablets"], 4],
    [0.12, ["naproxen-500mg-tablets"], 2],
  ],
  osteoporosis: [
    [0.7, ["alendronic-acid-70mg-tablets"]],
    [0.7, ["calcium-colecalciferol-chewable-tablets"]],
  ],
  "thyroid-disease": [[0.85, ["levothyroxine-50mcg-tablets"]]],
  "peptic-ulcer": [
    [0.75, ["omeprazole-20mg-capsules", "omeprazole-20mg-capsules", "lansoprazole-30mg-capsules"]],
  ],
  "urinary-incontinence": [[0.3, ["solifenacin-5mg-tablets"]]],
  "sleep-disturbance": [[0.3, ["zopiclone-7.5mg-tablets", "mirtazapine-15mg-tablets"], 1.5]],
  parkinsonism: [[0.75, ["co-careldopa-25-100-tablets"]]],
  anaemia: [[0.5, ["ferrous-fumarate-210mg-tablets"], 1]],
  dizziness: [[0.2, ["betahistine-8mg-tablets"], 2]],
  "peripheral-vascular-disease": [
    [0.5, ["clopidogrel-75mg-tablets"]],
    [0.5, [STATIN]],
  ],
};

const MALE_ONLY_REGIMENS: Readonly<Record<string, readonly Slot[]>> = {
  "urinary-system-disease": [[0.4, ["tamsulosin-400mcg-mr-capsules"]]],
};

export interface RepeatMedicine {
  code: string;
  startDay: number;
  /** First day no longer taken (Infinity while still taken). */
  endDay: number;
}

/** The repeat medicines a person is put on as their conditions start; each code once, from its first start. */
export function repeatMedicines(onsets: readonly Onset[], female: boolean, rng: Rng): RepeatMedicine[] {
  const started = new Map<string, RepeatMedicine>();
  for (const onset of onsets) {
    const slots = REGIMENS[onset.spec.id] ?? (!female ? MALE_ONLY_REGIMENS[onset.spec.id] : undefined);
    if (!slots) continue;
    for (const [probability, options, meanYears] of slots) {
      if (!rng.chance(onset.spec.ltc ? probability : probability * OTHER_DEFICIT_TREATMENT)) continue;
      const code = rng.pick(options);
      const startDay = onset.day + rng.int(28);
      const endDay =
        meanYears === undefined
          ? Number.POSITIVE_INFINITY
          : startDay + 28 + Math.floor(-Math.log(1 - rng.next()) * meanYears * 365.25);
      const earlier = started.get(code);
      if (!earlier || earlier.startDay > startDay) started.set(code, { code, startDay, endDay });
    }
  }
  return [...started.values()].sort((a, b) => a.startDay - b.startDay || (a.code < b.code ? -1 : 1));
}

export const ANTIDEPRESSANTS = [
  "sertraline-50mg-tablets",
  "citalopram-20mg-tablets",
  "mirtazapine-15mg-tablets",
];

/** Short courses: antibiotics for infections, steroids for exacerbations, pain relief. */
export function acuteMedicine(age: number, female: boolean, copdOrAsthma: boolean, rng: Rng): string {
  if (copdOrAsthma && rng.chance(0.3))
    return rng.chance(0.6) ? "prednisolone-5mg-tablets" : "doxycycline-100mg-capsules";
  if ((female || age >= 70) && rng.chance(0.3))
    return rng.pick(["nitrofurantoin-100mg-mr-capsules", "trimethoprim-200mg-tablets"]);
  return rng.pick([
    "amoxicillin-500mg-capsules",
    "amoxicillin-500mg-capsules",
    "flucloxacillin-500mg-capsules",
    "clarithromycin-500mg-tablets",
    "doxycycline-100mg-capsules",
    "ibuprofen-400mg-tablets",
    "chlorphenamine-4mg-tablets",
  ]);
}
