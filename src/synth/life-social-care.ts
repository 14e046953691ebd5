import type { CarePlanEvent, PlacementEvent, ServiceEndReason, ServiceEvent } from "./life-events.ts";
import { moveInto } from "./life-residence.ts";
import { DAYS_PER_YEAR, type LifeSimulation } from "./life-state.ts";

// Adult social care in the life simulation: assessments, home care and telecare, reablement after discharge
// with its 91-day outcome, care-home placements (trial, permanent, respite, moves to nursing care), joint
// care plans, and the care already in place when the history starts.

/** ASCOF 2B: share of people aged 65+ discharged into reablement who are at home 91 days later (95 of 110). */
export const AT_HOME_ON_DAY_91 = 0.864;

function packageFunding(sim: LifeSimulation): ServiceEvent["funding"] {
  const u = sim.rng.next();
  return u < 0.68 + 0.1 * sim.base.deprivation
    ? "council"
    : u < 0.76 + 0.1 * sim.base.deprivation
      ? "joint"
      : "self";
}

export function onHomeCare(sim: LifeSimulation, day: number, referral: ServiceEvent["referral"]): void {
  if (sim.homeCare || sim.careHome) return;
  if (referral !== "hospital-discharge" && sim.inHospital(day)) return;
  const rng = sim.rng;
  sim.assess(
    day - (referral === "hospital-discharge" ? 1 : sim.between(0, 21)),
    "needs",
    "long-term-support",
  );
  const funding = packageFunding(sim);
  const kind = rng.weightedIndex([0.75, 0.15, 0.1]);
  const type = kind === 0 ? "home-care" : kind === 1 ? "direct-payment" : "day-care";
  sim.homeCare = sim.addService(
    day,
    type,
    funding,
    referral,
    null,
    type === "home-care" ? sim.between(4, 24) : null,
  );
  if (funding !== "self") sim.assess(day, "financial", "long-term-support");
  if (rng.chance(0.1)) sim.addService(day, "meals", funding, referral, null, null);
  if (rng.chance(0.3)) {
    const equipment = sim.addService(
      day,
      "equipment",
      funding === "self" ? "self" : "council",
      referral,
      null,
      null,
    );
    sim.endService(equipment, day + sim.between(0, 14), "completed");
  }
  if (!sim.telecare && rng.chance(0.36))
    sim.telecare = sim.addService(day, "telecare", "council", referral, null, null);
  if (rng.chance(0.12)) sim.assess(day, "carer", "universal-services");
  sim.schedule(day + 365, { kind: "review" });
}

export function onReview(sim: LifeSimulation, day: number): void {
  if (!sim.homeCare && !sim.careHome) return;
  sim.assess(day, "review", "long-term-support");
  sim.schedule(day + 365, { kind: "review" });
}

export function startReablement(sim: LifeSimulation, day: number, spellRef: number): void {
  const rng = sim.rng;
  sim.assess(day - 1, "needs", "short-term-support");
  const service = sim.addService(
    day,
    "reablement",
    rng.chance(0.85) ? "council" : "joint",
    "hospital-discharge",
    spellRef,
    sim.between(5, 14),
  );
  sim.reablement = service;
  const longTerm = rng.chance(0.35);
  sim.schedule(day + sim.between(21, 49), {
    kind: "reablement-end",
    service,
    reason: longTerm ? "long-term-support" : "completed",
  });
  decideDay91(sim, day);
}

/**
 * Decides whether the person will be at home 91 days after discharge into reablement, and schedules the
 * events that make it so: a death, a readmission still running on day 91, or a care-home move; or, for
 * those at home, guards that keep natural events from contradicting it. A few hard cases sit on the
 * boundaries (death on day 90 or 92, readmission on day 91, respite over day 91).
 */
function decideDay91(sim: LifeSimulation, dischargeDay: number): void {
  const rng = sim.rng;
  const day91 = dischargeDay + 91;
  const u = rng.next();
  if (u < AT_HOME_ON_DAY_91) {
    sim.guard = { kind: "home", day91, blockHospitalUntil: Number.NEGATIVE_INFINITY };
    const hard = rng.next();
    if (hard < 0.05) sim.schedule(day91 + 1, { kind: "death", forced: true });
    else if (hard < 0.1) {
      sim.schedule(day91 - sim.between(2, 6), {
        kind: "emergency",
        cause: "readmission",
        forced: { dischargeDay: day91 },
      });
    } else if (hard < 0.17) {
      sim.schedule(day91 - sim.between(0, 6), {
        kind: "respite",
        forced: true,
        nights: sim.between(7, 14),
      });
    }
    return;
  }
  const kind = rng.weightedIndex([0.3, 0.33, 0.37]);
  if (kind === 0) {
    sim.guard = { kind: "dead", day91, blockHospitalUntil: Number.NEGATIVE_INFINITY };
    sim.schedule(rng.chance(0.2) ? dischargeDay + 90 : dischargeDay + sim.between(10, 89), {
      kind: "death",
      forced: true,
    });
  } else if (kind === 1) {
    const admitDay = rng.chance(0.2) ? day91 : dischargeDay + sim.between(45, 90);
    sim.guard = { kind: "hospital", day91, blockHospitalUntil: admitDay - 1 };
    sim.schedule(admitDay, {
      kind: "emergency",
      cause: "readmission",
      forced: { dischargeDay: day91 + sim.between(1, 14) },
    });
  } else {
    const startDay = dischargeDay + sim.between(14, 80);
    sim.guard = { kind: "care-home", day91, blockHospitalUntil: startDay };
    sim.schedule(startDay, { kind: "care-home", forced: true });
  }
}

export function onReablementEnd(
  sim: LifeSimulation,
  day: number,
  service: ServiceEvent,
  reason: ServiceEndReason,
): void {
  if (service.end !== null) return;
  sim.endService(service, day, reason);
  if (reason === "long-term-support") onHomeCare(sim, day, "hospital-discharge");
}

export function onRespite(sim: LifeSimulation, day: number, forced: boolean, nights?: number): void {
  if (sim.careHome || sim.respite || (!forced && sim.inHospital(day))) return;
  if (forced && sim.inHospital(day)) return;
  const rng = sim.rng;
  const homes = sim.ctx.place.careHomes;
  const home = nearbyCareHome(sim, "residential");
  const placement: PlacementEvent = {
    ref: sim.life.social.placements.length,
    careHomeIndex: home,
    careType: homes[home].careType,
    type: "respite",
    start: day,
    end: null,
    funding: rng.chance(0.8) ? "council" : "self",
    followsRef: null,
    endReason: null,
  };
  sim.openClient(day);
  sim.life.social.placements.push(placement);
  sim.respite = placement;
  const end = day + (nights ?? sim.between(7, 14));
  sim.schedule(end, { kind: "respite-end", placement });
}

function nearbyCareHome(sim: LifeSimulation, careType: "residential" | "nursing"): number {
  const homes = sim.ctx.place.careHomes;
  const locality = sim.ctx.place.areas[sim.currentAddress().areaIndex].localityIndex;
  const candidates: number[] = [];
  const sameType: number[] = [];
  for (let i = 0; i < homes.length; i++) {
    if (homes[i].careType !== careType) continue;
    sameType.push(i);
    if (homes[i].localityIndex === locality) candidates.push(i);
  }
  const pool =
    candidates.length > 0 && sim.rng.chance(0.75)
      ? candidates
      : sameType.length > 0
        ? sameType
        : homes.map((_, i) => i);
  return sim.rng.pick(pool);
}

export function startLongTermPlacement(
  sim: LifeSimulation,
  day: number,
  from: "community" | "hospital-discharge",
): void {
  if (sim.careHome) return;
  const rng = sim.rng;
  const s = sim.risk(day);
  const careType =
    s.deficits >= 10 || (s.dementia && s.deficits >= 7)
      ? rng.chance(0.65)
        ? "nursing"
        : "residential"
      : rng.chance(0.25)
        ? "nursing"
        : "residential";
  const u = rng.next();
  const funding: PlacementEvent["funding"] =
    u < 0.64
      ? "council"
      : u < 0.68
        ? "joint"
        : u < 0.71 && careType === "nursing"
          ? "nhs-chc"
          : u < 0.71
            ? "council"
            : "self";
  sim.assess(
    day - (from === "hospital-discharge" ? sim.between(1, 5) : sim.between(3, 28)),
    "needs",
    "long-term-support",
  );
  if (funding === "council" || funding === "joint") sim.assess(day, "financial", "long-term-support");
  if (sim.respite) {
    sim.respite.end = day;
    sim.respite.endReason = "other";
    sim.respite = null;
  }
  const trial = rng.chance(0.18);
  const placement: PlacementEvent = {
    ref: sim.life.social.placements.length,
    careHomeIndex: nearbyCareHome(sim, careType),
    careType,
    type: trial ? "trial" : "permanent",
    start: day,
    end: null,
    funding,
    followsRef: null,
    endReason: null,
  };
  sim.life.social.placements.push(placement);
  sim.careHome = placement;
  for (const service of [sim.homeCare, sim.telecare, sim.reablement]) {
    if (service) sim.endService(service, day, "care-home");
  }
  moveInto(sim, day, placement.careHomeIndex);
  if (trial) {
    // Most trials are meant to become permanent and do; a few people go home instead.
    const becomesPermanent = rng.chance(0.88) || (sim.guard?.kind === "care-home" && day <= sim.guard.day91);
    sim.schedule(day + sim.between(28, 56), { kind: "trial-end", placement, becomesPermanent });
  }
  sim.schedule(day + 365, { kind: "review" });
}

export function onTrialEnd(
  sim: LifeSimulation,
  day: number,
  trial: PlacementEvent,
  becomesPermanent: boolean,
): void {
  if (trial.end !== null || sim.careHome !== trial) return;
  trial.end = day;
  if (!becomesPermanent) {
    trial.endReason = "returned-home";
    sim.careHome = null;
    const home = sim.life.addresses[sim.life.addresses.length - 2];
    if (home) sim.life.addresses.push({ from: day, areaIndex: home.areaIndex, postcode: home.postcode });
    return;
  }
  trial.endReason = "became-permanent";
  const permanent: PlacementEvent = {
    ...trial,
    ref: sim.life.social.placements.length,
    type: "permanent",
    start: day,
    end: null,
    followsRef: trial.ref,
    endReason: null,
  };
  sim.life.social.placements.push(permanent);
  sim.careHome = permanent;
}

export function onNursingTransfer(sim: LifeSimulation, day: number): void {
  const current = sim.careHome;
  if (current?.careType !== "residential" || current.type !== "permanent" || sim.inHospital(day)) return;
  current.end = day;
  current.endReason = "moved-home";
  const next: PlacementEvent = {
    ...current,
    ref: sim.life.social.placements.length,
    careHomeIndex: nearbyCareHome(sim, "nursing"),
    careType: "nursing",
    start: day,
    end: null,
    funding: current.funding === "self" ? "self" : sim.rng.chance(0.12) ? "nhs-chc" : current.funding,
    followsRef: current.ref,
    endReason: null,
  };
  sim.life.social.placements.push(next);
  sim.careHome = next;
  moveInto(sim, day, next.careHomeIndex);
}

export function startJointPlan(sim: LifeSimulation, day: number): void {
  if (sim.jointPlan || day > sim.end) return;
  const rng = sim.rng;
  const role = rng.weightedIndex([0.45, 0.3, 0.25]);
  const plan: CarePlanEvent = {
    type: "joint-health-social",
    start: day,
    reviewDue: day + (sim.deficitCount() >= 13 ? 91 : 182),
    end: null,
    role: role === 0 ? "gp" : role === 1 ? "community-matron" : "social-worker",
    leadOrgCode:
      role === 0
        ? sim.ctx.place.practices[sim.currentPracticeIndex()].code
        : role === 1
          ? sim.ctx.place.community.code
          : sim.ctx.place.council.code,
  };
  sim.life.carePlans.push(plan);
  sim.jointPlan = plan;
}

export function strokeCarePlan(sim: LifeSimulation, admitDay: number, dischargeDay: number | null): void {
  if (sim.jointPlan) return;
  const u = sim.rng.next();
  // Most stroke patients leave the stroke unit with a joint plan; some get one afterwards, some never.
  if (u < 0.72) {
    const last = dischargeDay ?? sim.end;
    startJointPlan(sim, Math.min(last, admitDay + 1 + sim.rng.int(Math.max(1, last - admitDay))));
  } else if (u < 0.85 && dischargeDay !== null) {
    sim.schedule(dischargeDay + sim.between(7, 60), { kind: "care-plan" });
  }
}

/** Care already in place when the history starts, for residents who need it. */
export function initialCare(sim: LifeSimulation, start: number): void {
  const s = sim.risk(start);
  if (s.age < 65) return;
  const rng = sim.rng;
  const logistic = (x: number) => 1 / (1 + Math.exp(-x));
  const sixtyFifth = sim.base.birthDay + Math.ceil(65 * DAYS_PER_YEAR);
  const since = (maxDays: number) => Math.max(sixtyFifth, start - sim.between(30, maxDays));
  if (rng.chance(logistic(-5.2 + 0.085 * (s.age - 65) + 0.24 * s.deficits + (s.dementia ? 1.6 : 0)))) {
    const day = since(1500);
    startLongTermPlacement(sim, day, "community");
    if (sim.careHome?.type === "trial") {
      sim.careHome.type = "permanent";
      sim.queue = sim.queue.filter((q) => q.kind !== "trial-end");
    }
  } else {
    if (rng.chance(logistic(-5.0 + 0.05 * (s.age - 65) + 0.24 * s.deficits + (s.dementia ? 0.8 : 0)))) {
      onHomeCare(sim, since(1200), rng.pick(["gp", "community", "self"] as const));
    }
    if (
      !sim.telecare &&
      rng.chance(logistic(-5.6 + 0.045 * (s.age - 65) + 0.2 * s.deficits + (s.dementia ? 0.8 : 0)))
    ) {
      sim.telecare = sim.addService(
        since(1500),
        "telecare",
        rng.chance(0.8) ? "council" : "self",
        "community",
        null,
        null,
      );
    }
  }
  // Reviews scheduled before the history started are moved to their first anniversary inside it.
  for (const q of sim.queue) {
    if (q.kind === "review" && q.day < start) q.day = start + ((q.day - start) % 365) + 365;
  }
  sim.queue.sort((a, b) => a.day - b.day || a.seq - b.seq);
  if (s.deficits >= 9 && rng.chance(0.3)) startJointPlan(sim, start - sim.between(1, 300));
}

/** A few weeks in a care home to recover after a hospital stay (a step-down bed), then home. */
export function startStepDownPlacement(sim: LifeSimulation, day: number): void {
  if (sim.careHome || sim.respite) return;
  const home = nearbyCareHome(sim, "nursing");
  const placement: PlacementEvent = {
    ref: sim.life.social.placements.length,
    careHomeIndex: home,
    careType: sim.ctx.place.careHomes[home].careType,
    type: "temporary",
    start: day,
    end: null,
    funding: "joint",
    followsRef: null,
    endReason: null,
  };
  sim.assess(day, "needs", "short-term-support");
  sim.life.social.placements.push(placement);
  sim.respite = placement;
  sim.schedule(day + sim.between(14, 42), { kind: "respite-end", placement });
}
