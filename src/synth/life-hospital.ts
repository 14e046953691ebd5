import { careHomeFromHospitalChance, reablementChance, readmissionChance } from "./hazards.ts";
import {
  dischargeInstant,
  electiveProcedure,
  emergencyDiagnosis,
  emergencyNights,
  emergencyTimeOfDay,
  emergencyWards,
  nightsAround,
  specialtyFor,
} from "./hospital-model.ts";
import { onCommunity } from "./life-community.ts";
import type { DelayEvent, SpellEvent } from "./life-events.ts";
import {
  onHomeCare,
  startLongTermPlacement,
  startReablement,
  startStepDownPlacement,
  strokeCarePlan,
} from "./life-social-care.ts";
import { type ForcedStay, HOUR, type LifeSimulation, type Support } from "./life-state.ts";
import { dayOf, SECONDS_PER_DAY } from "./timestamps.ts";

/** Chance that a stay of 3+ nights (65+) ends with a delayed transfer, by the support awaited on discharge. */
const DELAY_CHANCE: Readonly<Record<Support, number>> = {
  "care-home": 0.7,
  "home-care": 0.48,
  reablement: 0.4,
  none: 0.035,
};

// Hospital events of the life simulation: emergency admissions (through A&E or not), their length, ward
// journey, discharge and what follows it, delayed transfers, elective and maternity stays, A&E attendances
// that end at home, outpatient appointments, and deaths in hospital.

/** A last emergency admission ending in death; returns the day of death, or null if no stay fits. */
export function terminalAdmission(sim: LifeSimulation, day: number): number | null {
  const rng = sim.rng;
  let admitDay = Math.max(day - sim.between(0, 12), sim.inHospitalUntil + 1, sim.ctx.historyStart);
  if (sim.guard?.kind === "home") admitDay = Math.max(admitDay, sim.guard.day91 + 1);
  if (admitDay > day) return null;
  const admitted = arrive(sim, admitDay, rng.chance(0.8));
  // A late arrival can be admitted, and die, after midnight: the death is then on that next day.
  const lastDay = Math.max(day, dayOf(admitted));
  const died = Math.max(
    admitted + 600,
    Math.min(
      (lastDay + 1) * SECONDS_PER_DAY - 60,
      lastDay * SECONDS_PER_DAY + sim.between(0, 23) * HOUR + rng.int(HOUR),
    ),
  );
  const deathDay = dayOf(died);
  if (deathDay > sim.end) return null;
  const age = sim.age(admitDay);
  const diagnosis = emergencyDiagnosis(age, sim.conditionFlags(), rng);
  sim.addSpell({
    admitted,
    discharged: died,
    method: "emergency",
    patientClass: "inpatient",
    specialty: specialtyFor(diagnosis, age),
    diagnosis,
    dischargeMethod: "died",
    destination: "79",
    wards: emergencyWards(sim.ctx.place.acuteMainSite.code, admitted, died, age, diagnosis, rng),
    delay: null,
  });
  sim.inHospitalUntil = deathDay;
  if (sim.reablement) sim.endService(sim.reablement, admitDay, "hospital");
  return deathDay;
}

/** Ends the stay with a death on or just after `day` (never before admission); returns the day of death. */
export function diesInSpell(sim: LifeSimulation, spell: SpellEvent, day: number): number {
  const died = Math.max(
    spell.admitted + 600,
    Math.min((day + 1) * SECONDS_PER_DAY - 60, day * SECONDS_PER_DAY + sim.between(0, 23) * HOUR),
  );
  const deathDay = dayOf(died);
  spell.discharged = died;
  spell.dischargeMethod = "died";
  spell.destination = "79";
  spell.wards = spell.wards.filter((w) => w.start < died);
  const last = spell.wards[spell.wards.length - 1];
  if (last && (last.end === null || last.end > died)) last.end = died;
  if (spell.delay) {
    if (spell.delay.readyDay <= deathDay) spell.delay.endDay = deathDay;
    else spell.delay = null;
  }
  sim.inHospitalUntil = deathDay;
  return deathDay;
}

/** Arrival at hospital as an emergency: through A&E (recorded) or sent in directly. Returns the admission time. */
export function arrive(sim: LifeSimulation, day: number, viaAe: boolean, ambulance = false): number {
  const rng = sim.rng;
  const arrived = day * SECONDS_PER_DAY + emergencyTimeOfDay(rng);
  if (!viaAe) return arrived;
  let departed = arrived + sim.between(1, 5) * HOUR + rng.int(HOUR);
  // Nothing may happen after the last day of the history.
  if (day >= sim.end) departed = Math.min(departed, (sim.end + 1) * SECONDS_PER_DAY - 600);
  const byAmbulance = ambulance || rng.chance(Math.min(0.85, 0.25 + 0.008 * Math.max(0, sim.age(day) - 40)));
  sim.life.ae.push({
    arrived,
    departed,
    mode: byAmbulance ? "ambulance" : "walk-in",
    disposal: "admitted",
  });
  return departed;
}

export function onEmergency(
  sim: LifeSimulation,
  day: number,
  cause: "general" | "onset" | "readmission",
  conditionId?: string,
  forced?: ForcedStay,
): void {
  if (sim.inHospital(day)) return;
  const guard = sim.guard;
  if (!forced && guard && day <= guard.blockHospitalUntil) return;
  const rng = sim.rng;
  const s = sim.risk(day);
  const spec = conditionId ? sim.ctx.conditions.find((c) => c.id === conditionId) : undefined;
  const diagnosis = spec?.admission
    ? rng.pick(spec.admission.diagnoses)
    : emergencyDiagnosis(s.age, sim.conditionFlags(), rng);
  const losCause =
    conditionId === "stroke" ? "stroke" : conditionId === "fragility-fracture" ? "fracture" : "general";
  let nights = emergencyNights(s.age, s.deficits, losCause, rng);
  const viaAe = rng.chance(cause === "onset" ? 0.95 : s.age < 65 ? 0.7 : 0.8);
  const admitted = arrive(sim, day, viaAe, cause === "onset" && conditionId === "stroke");
  const admitDay = dayOf(admitted);
  if (forced) nights = Math.max(0, forced.dischargeDay - admitDay);
  else if (guard?.kind === "home" && admitDay <= guard.day91 && admitDay + nights > guard.day91) {
    nights = guard.day91 - admitDay; // the stay ends by day 91, so the person is home on it
  }
  const dischargeDay = admitDay + nights;
  const stillIn = dischargeDay > sim.end;
  const discharged = stillIn
    ? null
    : nights === 0
      ? Math.max(
          admitted + 120,
          Math.min((admitDay + 1) * SECONDS_PER_DAY - 60, admitted + sim.between(3, 9) * HOUR),
        )
      : dischargeInstant(dischargeDay, admitted, rng);

  let support: Support = "none";
  let destination = "19";
  let dischargeMethod: SpellEvent["dischargeMethod"] = "discharged";
  if (sim.careHome) destination = "85";
  else if (
    nights >= 3 &&
    rng.chance(careHomeFromHospitalChance(s)) &&
    !(guard && dischargeDay <= guard.day91 && !(forced && guard.kind === "care-home"))
  ) {
    support = "care-home";
    destination = rng.chance(0.85) ? "85" : "54";
  } else if (s.age >= 65 && nights >= 2 && rng.chance(0.02)) {
    destination = "51";
    dischargeMethod = "transferred";
  } else if (s.age >= 65 && nights >= 1) {
    if (!sim.reablement && !guard && rng.chance(reablementChance(s))) support = "reablement";
    else if (!sim.homeCare && rng.chance(Math.min(0.25, 0.006 * s.deficits))) support = "home-care";
  }

  const spell = sim.addSpell({
    admitted,
    discharged,
    method: "emergency",
    patientClass: "inpatient",
    specialty: spec?.admission?.specialty ?? specialtyFor(diagnosis, s.age),
    diagnosis,
    dischargeMethod: stillIn ? null : dischargeMethod,
    destination: stillIn ? null : destination,
    wards: emergencyWards(
      sim.ctx.place.acuteMainSite.code,
      admitted,
      discharged ?? (sim.end + 1) * SECONDS_PER_DAY,
      s.age,
      diagnosis,
      rng,
    ),
    delay: null,
  });
  if (stillIn) {
    const last = spell.wards[spell.wards.length - 1];
    if (last.end !== null && last.end >= (sim.end + 1) * SECONDS_PER_DAY) last.end = null;
    spell.wards = spell.wards.filter((w) => w.start < (sim.end + 1) * SECONDS_PER_DAY);
  }
  spell.delay = maybeDelay(sim, spell, admitDay, dischargeDay, s.age, support);
  sim.inHospitalUntil = stillIn ? Number.POSITIVE_INFINITY : dischargeDay;
  if (sim.reablement) sim.endService(sim.reablement, admitDay, "hospital");
  if (sim.homeCare && nights >= 7 && rng.chance(0.3)) {
    sim.endService(sim.homeCare, admitDay, "hospital");
    sim.homeCare = null;
    if (support === "none") support = "home-care";
  }
  if (diagnosis.startsWith("I6")) strokeCarePlan(sim, admitDay, stillIn ? null : dischargeDay);
  if (!stillIn) sim.schedule(dischargeDay, { kind: "discharge", spellRef: spell.ref, support });
}

function maybeDelay(
  sim: LifeSimulation,
  spell: SpellEvent,
  admitDay: number,
  dischargeDay: number,
  age: number,
  support: Support,
): DelayEvent | null {
  const rng = sim.rng;
  const nights = dischargeDay - admitDay;
  if (age < 65 || nights < 3) return null;
  const chance = support === "none" && nights >= 8 ? 0.11 : DELAY_CHANCE[support];
  if (!rng.chance(chance)) return null;
  const mean = support === "care-home" ? 20 : 11;
  const days = Math.min(nights - 1, Math.max(1, Math.round(-Math.log(1 - rng.next()) * mean)));
  const readyDay = dischargeDay - days;
  if (readyDay > sim.end) return null;
  let attribution: DelayEvent["attribution"];
  let reason: string;
  if (support === "care-home") {
    attribution =
      rng.weightedIndex([0.3, 0.55, 0.15]) === 0 ? "nhs" : rng.chance(0.78) ? "social-care" : "both";
    reason = rng.pick([
      "awaiting-nursing-home",
      "awaiting-residential-home",
      "patient-family-choice",
      "awaiting-assessment",
    ]);
  } else if (support === "home-care" || support === "reablement") {
    attribution = rng.chance(0.7) ? "social-care" : rng.chance(0.5) ? "both" : "nhs";
    reason = rng.pick([
      "awaiting-care-package",
      "awaiting-care-package",
      "awaiting-assessment",
      "awaiting-community-equipment",
    ]);
  } else {
    attribution = rng.chance(0.75) ? "nhs" : "both";
    reason = rng.pick([
      "awaiting-further-nhs-care",
      "awaiting-assessment",
      "awaiting-public-funding",
      "patient-family-choice",
    ]);
  }
  return {
    spellRef: spell.ref,
    readyDay,
    endDay: dischargeDay > sim.end ? null : dischargeDay,
    attribution,
    reason,
  };
}

export function onDischarge(sim: LifeSimulation, day: number, spellRef: number, support: Support): void {
  const spell = sim.life.spells[spellRef];
  if (spell.dischargeMethod === "died") return;
  const rng = sim.rng;
  const s = sim.risk(day);
  if (spell.method === "emergency" && rng.chance(readmissionChance(s))) {
    const gap = 1 + Math.min(29, Math.floor(-Math.log(1 - rng.next()) * 9));
    sim.schedule(day + gap, { kind: "emergency", cause: "readmission" });
  }
  if (support === "care-home") startLongTermPlacement(sim, day, "hospital-discharge");
  else if (support === "reablement") startReablement(sim, day, spellRef);
  else if (support === "home-care") onHomeCare(sim, day, "hospital-discharge");
  else if (s.age >= 75 && s.deficits >= 7 && !sim.careHome && !sim.guard && rng.chance(0.04)) {
    startStepDownPlacement(sim, day);
  }
  if (spell.diagnosis.startsWith("I6") && rng.chance(0.75))
    onCommunity(sim, day + 1, "stroke-rehabilitation");
  else if (s.age >= 65 && s.deficits >= 5 && !sim.careHome && rng.chance(0.2))
    onCommunity(sim, day + 1, "intermediate-care");
}

export function onAe(sim: LifeSimulation, day: number): void {
  if (sim.inHospital(day)) return;
  const rng = sim.rng;
  const arrived = day * SECONDS_PER_DAY + emergencyTimeOfDay(rng);
  const departed = arrived + sim.between(1, 4) * HOUR + rng.int(HOUR) + (rng.chance(0.1) ? 2 * HOUR : 0);
  const age = sim.age(day);
  const disposal = rng.weightedIndex([0.72, 0.2, 0.08]);
  sim.life.ae.push({
    arrived,
    departed,
    mode: rng.chance(age >= 75 ? 0.5 : 0.12) ? "ambulance" : rng.chance(0.95) ? "walk-in" : "other",
    disposal: disposal === 0 ? "discharged" : disposal === 1 ? "referred" : "left",
  });
}

export function onElective(sim: LifeSimulation, day: number): void {
  if (sim.inHospital(day)) return;
  const rng = sim.rng;
  const age = sim.age(day);
  const procedure = electiveProcedure(age, sim.base.female, rng);
  const dayCase = rng.chance(0.75);
  const nights = dayCase ? 0 : nightsAround(age >= 65 ? 4 : 2.5, rng);
  if (sim.guard?.kind === "home" && day <= sim.guard.day91 && day + nights > sim.guard.day91) return;
  if (sim.guard && day <= sim.guard.blockHospitalUntil) return;
  if (day + nights > sim.end) return;
  const admitted = day * SECONDS_PER_DAY + (7 + rng.int(5)) * HOUR + rng.int(HOUR);
  const discharged = dayCase
    ? admitted + sim.between(3, 8) * HOUR
    : dischargeInstant(day + nights, admitted, rng);
  const site = sim.ctx.place.acuteMainSite.code;
  sim.addSpell({
    admitted,
    discharged,
    method: "elective",
    patientClass: dayCase ? "day-case" : "inpatient",
    specialty: procedure.specialty,
    diagnosis: procedure.diagnosis,
    dischargeMethod: "discharged",
    destination: sim.careHome ? "85" : "19",
    wards: [
      {
        kind: dayCase ? "other" : "surgical",
        code: `${site}-${dayCase ? "DSU" : "SURG2"}`,
        start: admitted,
        end: discharged,
      },
    ],
    delay: null,
  });
  sim.inHospitalUntil = day + nights;
}

export function onMaternity(sim: LifeSimulation, day: number): void {
  if (sim.inHospital(day) || (sim.guard && day <= sim.guard.day91)) return;
  const rng = sim.rng;
  const nights = rng.weightedIndex([0.25, 0.45, 0.2, 0.1]);
  if (day + nights > sim.end) return;
  const admitted = day * SECONDS_PER_DAY + emergencyTimeOfDay(rng);
  const discharged =
    nights === 0 ? admitted + sim.between(6, 12) * HOUR : dischargeInstant(day + nights, admitted, rng);
  sim.addSpell({
    admitted,
    discharged,
    method: "maternity",
    patientClass: "inpatient",
    specialty: "501",
    diagnosis: rng.chance(0.75) ? "O80" : "O82",
    dischargeMethod: "discharged",
    destination: "19",
    wards: [
      {
        kind: "maternity",
        code: `${sim.ctx.place.acuteMainSite.code}-MAT`,
        start: admitted,
        end: discharged,
      },
    ],
    delay: null,
  });
  sim.inHospitalUntil = dayOf(discharged);
}

export function onOutpatient(sim: LifeSimulation, day: number): void {
  const rng = sim.rng;
  const age = sim.age(day);
  const specialty = outpatientSpecialty(sim, age);
  const followUps = Math.min(4, rng.poisson(0.45));
  let d = day;
  for (let i = 0; i <= followUps; i++) {
    if (i > 0) d += sim.between(28, 120);
    if (d > sim.end) break;
    const u = rng.next();
    const dna = age >= 18 && age < 40 ? 0.11 : 0.06;
    sim.life.outpatients.push({
      day: d,
      specialty,
      attendance: u < dna ? "did-not-attend" : u < dna + 0.04 ? "cancelled" : "attended",
      first: i === 0,
    });
  }
}

function outpatientSpecialty(sim: LifeSimulation, age: number): string {
  const rng = sim.rng;
  if (age < 16) return rng.pick(["420", "420", "120", "110", "130"]);
  const options: string[] = ["100", "110", "130", "300", "301", "330", "120", "410"];
  if (sim.base.female && age < 65) options.push("502", "502");
  if (!sim.base.female && age >= 55) options.push("101");
  if (
    sim.has.has("coronary-heart-disease") ||
    sim.has.has("atrial-fibrillation") ||
    sim.has.has("heart-failure")
  )
    options.push("320", "320", "320");
  if (sim.has.has("copd") || sim.has.has("asthma")) options.push("340", "340");
  if (sim.has.has("diabetes")) options.push("307", "307");
  if (sim.has.has("chronic-kidney-disease")) options.push("361");
  if (sim.has.has("visual-impairment")) options.push("130", "130");
  if (sim.has.has("stroke") || sim.has.has("transient-ischaemic-attack")) options.push("400", "328");
  if (age >= 75) options.push("430", "430");
  return rng.pick(options);
}

/**
 * A stay that ends with a transfer to a hospice a few days before the death there (discharge destination 88).
 * Returns false when no such stay fits before the death.
 */
export function hospiceTransfer(sim: LifeSimulation, deathDay: number): boolean {
  const rng = sim.rng;
  const dischargeDay = deathDay - sim.between(0, 3);
  let admitDay = dischargeDay - sim.between(3, 16);
  if (sim.guard?.kind === "home") admitDay = Math.max(admitDay, sim.guard.day91 + 1);
  if (admitDay <= sim.inHospitalUntil || admitDay < sim.ctx.historyStart || admitDay >= dischargeDay)
    return false;
  const admitted = admitDay * SECONDS_PER_DAY + emergencyTimeOfDay(rng);
  const discharged = dischargeInstant(dischargeDay, admitted, rng);
  const age = sim.age(admitDay);
  const diagnosis = emergencyDiagnosis(age, sim.conditionFlags(), rng);
  sim.addSpell({
    admitted,
    discharged,
    method: "emergency",
    patientClass: "inpatient",
    specialty: specialtyFor(diagnosis, age),
    diagnosis,
    dischargeMethod: "discharged",
    destination: "88",
    wards: emergencyWards(sim.ctx.place.acuteMainSite.code, admitted, discharged, age, diagnosis, rng),
    delay: null,
  });
  sim.inHospitalUntil = dayOf(discharged);
  if (sim.reablement) sim.endService(sim.reablement, admitDay, "hospital");
  return true;
}
