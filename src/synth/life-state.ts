import type { Rng } from "../core/rng.ts";
import type { GenerationContext } from "./context.ts";
import type { RiskState } from "./hazards.ts";
import type {
  CarePlanEvent,
  Life,
  PlacementEvent,
  ServiceEndReason,
  ServiceEvent,
  SpellEvent,
} from "./life-events.ts";
import { ageInYears, type PersonBase } from "./person-model.ts";

// The state of one person's life simulation (life.ts): where they are in time, their health and care, and the
// queue of events still to come, with the small operations every part of the simulation shares. The event
// handlers live beside it: life-hospital.ts, life-community.ts, life-social-care.ts and life-residence.ts.

export const HOUR = 3600;
export const DAYS_PER_YEAR = 365.25;

export type Support = "none" | "reablement" | "home-care" | "care-home";

export type QueuedEvent =
  | { kind: "death"; forced: boolean }
  | { kind: "move-away" }
  | {
      kind: "emergency";
      cause: "general" | "onset" | "readmission";
      conditionId?: string;
      forced?: ForcedStay;
    }
  | { kind: "discharge"; spellRef: number; support: Support }
  | { kind: "ae" }
  | { kind: "elective" }
  | { kind: "maternity" }
  | { kind: "outpatient" }
  | { kind: "community"; service?: string }
  | { kind: "mental-health"; service?: string }
  | { kind: "care-home"; forced: boolean }
  | { kind: "respite"; forced: boolean; nights?: number }
  | { kind: "telecare" }
  | { kind: "home-care"; referral: ServiceEvent["referral"] }
  | { kind: "care-plan" }
  | { kind: "onset"; conditionId: string }
  | { kind: "reablement-end"; service: ServiceEvent; reason: ServiceEndReason }
  | { kind: "trial-end"; placement: PlacementEvent; becomesPermanent: boolean }
  | { kind: "respite-end"; placement: PlacementEvent }
  | { kind: "review" }
  | { kind: "move-address" }
  | { kind: "move-practice" }
  | { kind: "nursing-transfer" }
  | { kind: "telecare-end" };

export type Queued = QueuedEvent & { day: number; seq: number };

export interface ForcedStay {
  /** Discharge day the forced stay must reach (a readmission still in hospital on day 91, or one ending on it). */
  dischargeDay: number;
}

/** Constraints that make the 91-day outcome of a reablement episode what was decided when it started. */
export interface Guard {
  kind: "home" | "dead" | "hospital" | "care-home";
  day91: number;
  /** Natural (not forced) admissions on or before this day are not allowed. */
  blockHospitalUntil: number;
}

export class LifeSimulation {
  readonly ctx: GenerationContext;
  readonly base: PersonBase;
  readonly rng: Rng;
  readonly end: number;
  readonly life: Life;
  present = true;
  queue: Queued[] = [];
  seq = 0;

  // Health state, advanced to each event's day.
  onsetPointer = 0;
  deficits = new Set<string>();
  ltcs = 0;
  has = new Set<string>();
  activeMedicines = 0;

  // Care state.
  latestSpell: SpellEvent | null = null;
  inHospitalUntil = Number.NEGATIVE_INFINITY;
  careHome: PlacementEvent | null = null;
  respite: PlacementEvent | null = null;
  telecare: ServiceEvent | null = null;
  homeCare: ServiceEvent | null = null;
  reablement: ServiceEvent | null = null;
  jointPlan: CarePlanEvent | null = null;
  guard: Guard | null = null;

  constructor(ctx: GenerationContext, base: PersonBase, rng: Rng) {
    this.ctx = ctx;
    this.base = base;
    this.rng = rng;
    this.end = ctx.historyEnd;
    this.life = {
      exitDay: null,
      exitReason: null,
      death: null,
      registrations: [
        { practiceIndex: base.practiceIndex, from: base.registeredSince, to: null, reason: null },
      ],
      addresses: [
        {
          from: Math.min(base.arrivalDay, base.registeredSince),
          areaIndex: base.areaIndex,
          postcode: base.postcode,
        },
      ],
      spells: [],
      ae: [],
      outpatients: [],
      contacts: [],
      social: { clientSince: null, assessments: [], services: [], placements: [] },
      carePlans: [],
    };
  }

  advance(day: number): void {
    const onsets = this.base.onsets;
    while (this.onsetPointer < onsets.length && onsets[this.onsetPointer].day <= day) {
      const spec = onsets[this.onsetPointer++].spec;
      this.deficits.add(spec.deficitId);
      this.has.add(spec.id);
      if (spec.ltc) this.ltcs++;
    }
    let active = 0;
    for (const medicine of this.base.medicines)
      if (medicine.startDay <= day && day < medicine.endDay) active++;
    this.activeMedicines = active;
    // Kept two weeks past day 91: a death soon after must not bring a terminal admission that started before it.
    if (this.guard && day > this.guard.day91 + 14) this.guard = null;
  }

  age(day: number): number {
    return ageInYears(this.base.birthDay, day);
  }

  deficitCount(): number {
    return this.deficits.size + (this.activeMedicines >= 5 ? 1 : 0);
  }

  risk(day: number): RiskState {
    return {
      age: this.age(day),
      female: this.base.female,
      deficits: this.deficitCount(),
      ltcs: this.ltcs,
      frailty: this.base.frailty,
      admissionPropensity: this.base.admissionPropensity,
      deprivation: this.base.deprivation,
      inCareHome: this.careHome !== null,
      dementia: this.has.has("dementia"),
      falls: this.has.has("falls"),
    };
  }

  inHospital(day: number): boolean {
    return day <= this.inHospitalUntil;
  }

  schedule(day: number, event: QueuedEvent): void {
    if (day > this.end) return;
    const queued = { ...event, day, seq: this.seq++ } as Queued;
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid];
      if (q.day < day || (q.day === day && q.seq < queued.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, queued);
  }

  between(min: number, max: number): number {
    return min + this.rng.int(max - min + 1);
  }

  conditionFlags() {
    return {
      copd: this.has.has("copd"),
      heartFailure: this.has.has("heart-failure"),
      dementia: this.has.has("dementia"),
      asthma: this.has.has("asthma"),
    };
  }

  addSpell(spell: Omit<SpellEvent, "ref">): SpellEvent {
    const full = { ref: this.life.spells.length, ...spell };
    this.life.spells.push(full);
    this.latestSpell = full;
    return full;
  }

  openClient(day: number): void {
    const social = this.life.social;
    if (social.clientSince === null || day < social.clientSince) social.clientSince = day;
  }

  assess(
    day: number,
    type: "needs" | "carer" | "review" | "financial",
    outcome: "long-term-support" | "short-term-support" | "universal-services" | "no-services",
  ): void {
    this.openClient(day);
    this.life.social.assessments.push({ day, type, outcome });
  }

  addService(
    start: number,
    type: ServiceEvent["type"],
    funding: ServiceEvent["funding"],
    referral: ServiceEvent["referral"],
    afterSpellRef: number | null,
    hoursPerWeek: number | null,
  ): ServiceEvent {
    this.openClient(start);
    const service: ServiceEvent = {
      type,
      start,
      end: null,
      funding,
      referral,
      afterSpellRef,
      hoursPerWeek,
      endReason: null,
    };
    this.life.social.services.push(service);
    return service;
  }

  endService(service: ServiceEvent, day: number, reason: ServiceEndReason): void {
    if (service.end !== null) return;
    service.end = Math.max(day, service.start);
    service.endReason = reason;
    if (service === this.reablement) this.reablement = null;
    if (service === this.homeCare) this.homeCare = null;
    if (service === this.telecare) this.telecare = null;
  }

  currentAddress() {
    return this.life.addresses[this.life.addresses.length - 1];
  }

  currentPracticeIndex(): number {
    return this.life.registrations[this.life.registrations.length - 1].practiceIndex;
  }

  leave(day: number, reason: "died" | "moved-away"): void {
    this.present = false;
    this.life.exitDay = day;
    this.life.exitReason = reason;
    const registration = this.life.registrations[this.life.registrations.length - 1];
    if (registration.from > day)
      this.life.registrations.pop(); // a baby who died before being registered
    else {
      registration.to = day;
      registration.reason = reason;
    }
    const serviceReason: ServiceEndReason = reason === "died" ? "died" : "moved";
    for (const service of this.life.social.services) {
      if (service.end === null) this.endService(service, day, serviceReason);
    }
    for (const placement of this.life.social.placements) {
      if (placement.end === null) {
        placement.end = day;
        placement.endReason = reason === "died" ? "died" : "other";
      }
    }
    // A plan is made when it is decided, for the day it starts (a stroke patient's, for a day before the planned
    // discharge): one that would have started after the person left never started.
    this.life.carePlans = this.life.carePlans.filter((plan) => plan.start <= day);
    if (this.jointPlan && this.jointPlan.start > day) this.jointPlan = null;
    for (const plan of this.life.carePlans) if (plan.end === null) plan.end = day;
    // An undischarged stay of someone who moved away is left as the hospital last knew it.
  }
}
