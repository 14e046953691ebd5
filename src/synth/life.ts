import type { Rng } from "../core/rng.ts";
import type { GenerationContext } from "./context.ts";
import {
  aeOnlyRate,
  careHomeAdmissionRate,
  communityEpisodeRate,
  deathRate,
  electiveAdmissionRate,
  emergencyAdmissionRate,
  homeCareStartRate,
  jointCarePlanRate,
  maternityRate,
  mentalHealthEpisodeRate,
  outpatientEpisodeRate,
  respiteRate,
  telecareInstallRate,
} from "./hazards.ts";
import { causeOfDeath } from "./hospital-model.ts";
import { COMMUNITY_EPISODES, onCommunity, onMentalHealth, startEpisode } from "./life-community.ts";
import type { Life } from "./life-events.ts";
import {
  diesInSpell,
  hospiceTransfer,
  onAe,
  onDischarge,
  onElective,
  onEmergency,
  onMaternity,
  onOutpatient,
  terminalAdmission,
} from "./life-hospital.ts";
import { changePractice, onMoveAddress } from "./life-residence.ts";
import {
  initialCare,
  onHomeCare,
  onNursingTransfer,
  onReablementEnd,
  onRespite,
  onReview,
  onTrialEnd,
  startJointPlan,
  startLongTermPlacement,
} from "./life-social-care.ts";
import { DAYS_PER_YEAR, LifeSimulation, type Queued } from "./life-state.ts";
import type { PersonBase } from "./person-model.ts";
import { moveAwayRate } from "./population.ts";
import { dayOf } from "./timestamps.ts";

// The life simulation: from the day a person joins the place's history to the day they leave it, in 91-day
// steps. At each step their state (age, deficits, conditions, where they live) sets the rates in hazards.ts;
// the events drawn go into a queue with the consequences they schedule (a discharge, a readmission, the end
// of reablement), and the queue is worked through in day order. Everything is drawn from the person's own
// random stream, so a person's life does not depend on anyone else's.

const STEP_DAYS = 91;
/** Yearly rates of events that do not depend on health. */
const ADDRESS_MOVES = 0.045; // moving home within the place
const PRACTICE_MOVES = 0.017; // changing practice without moving (moves across localities add more)
const RESIDENTIAL_TO_NURSING = 0.12; // care-home residents whose needs grow
const TELECARE_RETURNED = 0.04; // equipment given back

export function simulateLife(ctx: GenerationContext, base: PersonBase, rng: Rng): Life {
  return run(new LifeSimulation(ctx, base, rng));
}

function run(sim: LifeSimulation): Life {
  const start = Math.max(sim.base.arrivalDay, sim.ctx.historyStart);
  sim.advance(start);
  if (sim.base.arrival === "resident") initialCare(sim, start);
  if (sim.base.arrival === "birth")
    startEpisode(sim, COMMUNITY_EPISODES["health-visiting"], start + 10, "community");
  for (const onset of sim.base.onsets) {
    if (onset.day >= start) sim.schedule(onset.day, { kind: "onset", conditionId: onset.spec.id });
  }
  for (let stepStart = start; stepStart <= sim.end && sim.present; ) {
    const stepEnd = Math.min(sim.end + 1, stepStart + STEP_DAYS);
    sim.advance(stepStart);
    drawStep(sim, stepStart, stepEnd);
    while (sim.present && sim.queue.length > 0 && sim.queue[0].day < stepEnd) {
      const event = sim.queue.shift() as Queued;
      sim.advance(event.day);
      handle(sim, event);
    }
    stepStart = stepEnd;
  }
  finish(sim);
  return sim.life;
}

function drawStep(sim: LifeSimulation, stepStart: number, stepEnd: number): void {
  const days = stepEnd - stepStart;
  const years = days / DAYS_PER_YEAR;
  const s = sim.risk(stepStart);
  const rng = sim.rng;
  const at = () => stepStart + rng.int(days);
  const once = (rate: number) => rate > 0 && rng.chance(1 - Math.exp(-rate * years));
  const times = (rate: number) => (rate > 0 ? rng.poisson(rate * years) : 0);

  if (once(deathRate(s))) sim.schedule(at(), { kind: "death", forced: false });
  if (!sim.careHome && once(moveAwayRate(s.age))) sim.schedule(at(), { kind: "move-away" });
  for (let n = times(emergencyAdmissionRate(s)); n > 0; n--)
    sim.schedule(at(), { kind: "emergency", cause: "general" });
  for (let n = times(aeOnlyRate(s)); n > 0; n--) sim.schedule(at(), { kind: "ae" });
  for (let n = times(electiveAdmissionRate(s)); n > 0; n--) sim.schedule(at(), { kind: "elective" });
  for (let n = times(maternityRate(s)); n > 0; n--) sim.schedule(at(), { kind: "maternity" });
  for (let n = times(outpatientEpisodeRate(s)); n > 0; n--) sim.schedule(at(), { kind: "outpatient" });
  for (let n = times(communityEpisodeRate(s)); n > 0; n--) sim.schedule(at(), { kind: "community" });
  for (let n = times(mentalHealthEpisodeRate(s)); n > 0; n--) sim.schedule(at(), { kind: "mental-health" });
  if (once(careHomeAdmissionRate(s))) sim.schedule(at(), { kind: "care-home", forced: false });
  if (once(respiteRate(s))) sim.schedule(at(), { kind: "respite", forced: false });
  if (!sim.telecare && once(telecareInstallRate(s))) sim.schedule(at(), { kind: "telecare" });
  if (!sim.homeCare && once(homeCareStartRate(s)))
    sim.schedule(at(), { kind: "home-care", referral: rng.pick(["gp", "community", "self"] as const) });
  if (!sim.jointPlan && once(jointCarePlanRate(s))) sim.schedule(at(), { kind: "care-plan" });
  if (once(ADDRESS_MOVES)) sim.schedule(at(), { kind: "move-address" });
  if (once(PRACTICE_MOVES)) sim.schedule(at(), { kind: "move-practice" });
  if (sim.careHome?.careType === "residential" && once(RESIDENTIAL_TO_NURSING))
    sim.schedule(at(), { kind: "nursing-transfer" });
  if (sim.telecare && once(TELECARE_RETURNED)) sim.schedule(at(), { kind: "telecare-end" });
}

function handle(sim: LifeSimulation, e: Queued): void {
  switch (e.kind) {
    case "death":
      onDeath(sim, e.day, e.forced);
      break;
    case "move-away":
      if (!sim.guard && !sim.careHome && !sim.inHospital(e.day)) sim.leave(e.day, "moved-away");
      break;
    case "emergency":
      onEmergency(sim, e.day, e.cause, e.conditionId, e.forced);
      break;
    case "discharge":
      onDischarge(sim, e.day, e.spellRef, e.support);
      break;
    case "ae":
      onAe(sim, e.day);
      break;
    case "elective":
      onElective(sim, e.day);
      break;
    case "maternity":
      onMaternity(sim, e.day);
      break;
    case "outpatient":
      onOutpatient(sim, e.day);
      break;
    case "community":
      onCommunity(sim, e.day, e.service);
      break;
    case "mental-health":
      onMentalHealth(sim, e.day, e.service);
      break;
    case "care-home": {
      const guarded = !e.forced && sim.guard !== null && e.day <= sim.guard.day91;
      if (!guarded && !sim.careHome && !sim.inHospital(e.day))
        startLongTermPlacement(sim, e.day, "community");
      break;
    }
    case "respite":
      onRespite(sim, e.day, e.forced, e.nights);
      break;
    case "telecare":
      if (!sim.telecare && !sim.careHome) {
        const funding = sim.rng.chance(0.8) ? "council" : "self";
        sim.telecare = sim.addService(e.day, "telecare", funding, "community", null, null);
      }
      break;
    case "home-care":
      onHomeCare(sim, e.day, e.referral);
      break;
    case "care-plan":
      startJointPlan(sim, e.day);
      break;
    case "onset":
      onOnset(sim, e.day, e.conditionId);
      break;
    case "reablement-end":
      onReablementEnd(sim, e.day, e.service, e.reason);
      break;
    case "trial-end":
      onTrialEnd(sim, e.day, e.placement, e.becomesPermanent);
      break;
    case "respite-end":
      if (sim.respite === e.placement) {
        e.placement.end = e.day;
        e.placement.endReason = "returned-home";
        sim.respite = null;
      }
      break;
    case "review":
      onReview(sim, e.day);
      break;
    case "move-address":
      onMoveAddress(sim, e.day);
      break;
    case "move-practice":
      changePractice(sim, e.day, sim.ctx.place.practices[sim.currentPracticeIndex()].localityIndex);
      break;
    case "nursing-transfer":
      onNursingTransfer(sim, e.day);
      break;
    case "telecare-end":
      if (sim.telecare) sim.endService(sim.telecare, e.day, "declined");
      sim.telecare = null;
      break;
  }
}

function onDeath(sim: LifeSimulation, eventDay: number, forced: boolean): void {
  const guard = sim.guard;
  if (!forced && guard && guard.kind === "home" && eventDay <= guard.day91) return;
  let day = eventDay;
  const rng = sim.rng;
  let place: "hospital" | "home" | "care-home" | "hospice" | "other";
  const spell = sim.latestSpell;
  if (spell && sim.inHospital(day) && spell.dischargeMethod !== "died") {
    day = diesInSpell(sim, spell, Math.max(day, dayOf(spell.admitted)));
    place = "hospital";
  } else {
    const u = rng.next();
    const wantsHospital = sim.careHome ? u < 0.2 : u < 0.49;
    place = sim.careHome ? "care-home" : u < 0.56 ? "hospice" : u < 0.59 ? "other" : "home";
    const deathDay = wantsHospital ? terminalAdmission(sim, day) : null;
    if (deathDay !== null) {
      place = "hospital";
      day = deathDay;
    } else if (wantsHospital) place = sim.careHome ? "care-home" : "home";
    // Half of hospice deaths follow a hospital stay that ended with the transfer.
    if (place === "hospice" && rng.chance(0.5)) hospiceTransfer(sim, day);
  }
  const has: Record<string, boolean> = {};
  for (const id of sim.has) has[id] = true;
  sim.life.death = { day, place, cause: causeOfDeath(has, rng) };
  if (place !== "hospital" && sim.deficitCount() >= 6 && rng.chance(0.35)) {
    const start = day - sim.between(14, 150);
    if (start >= Math.max(sim.ctx.historyStart, sim.base.arrivalDay)) {
      sim.life.carePlans.push({
        type: "end-of-life",
        start,
        reviewDue: start + 28,
        end: null,
        role: "gp",
        leadOrgCode: sim.ctx.place.practices[sim.currentPracticeIndex()].code,
      });
    }
  }
  sim.leave(day, "died");
}

function onOnset(sim: LifeSimulation, day: number, conditionId: string): void {
  const spec = sim.ctx.conditions.find((c) => c.id === conditionId);
  if (!spec) return;
  if (spec.admission && sim.rng.chance(spec.admission.probability)) {
    onEmergency(sim, day, "onset", conditionId);
  }
  if (conditionId === "dementia") {
    // Diagnosed through the memory clinic; many then get a joint plan.
    onMentalHealth(sim, Math.max(day - sim.between(20, 60), sim.ctx.historyStart), "memory-clinic");
    if (sim.rng.chance(0.5)) sim.schedule(day + sim.between(7, 90), { kind: "care-plan" });
  }
}

function finish(sim: LifeSimulation): void {
  const exit = sim.life.exitDay;
  if (exit !== null) {
    sim.life.outpatients = sim.life.outpatients.filter((o) => o.day < exit);
    sim.life.contacts = sim.life.contacts.filter((c) => c.day < exit);
  }
}
