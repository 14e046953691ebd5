// What the life simulation (life.ts) records about one person. Times of day are instants (seconds since
// 1970, timestamps.ts); dates are day numbers. `ref` fields link events within the person's life (a
// reablement service to the spell it followed); row ids are given when the events are written out.

export type WardKind =
  | "assessment"
  | "general"
  | "stroke-unit"
  | "elderly-care"
  | "surgical"
  | "critical-care"
  | "maternity"
  | "other";

export interface WardEvent {
  kind: WardKind;
  code: string;
  start: number;
  end: number | null;
}

export interface SpellEvent {
  ref: number;
  admitted: number;
  discharged: number | null;
  method: "emergency" | "elective" | "maternity";
  patientClass: "inpatient" | "day-case";
  specialty: string;
  diagnosis: string;
  dischargeMethod: "discharged" | "died" | "transferred" | null;
  destination: string | null;
  wards: WardEvent[];
  /** Set when the stay was delayed at its end; removed if the person dies first. */
  delay: DelayEvent | null;
}

export interface DelayEvent {
  spellRef: number;
  readyDay: number;
  endDay: number | null;
  attribution: "nhs" | "social-care" | "both";
  reason: string;
}

export interface AeEvent {
  arrived: number;
  departed: number;
  mode: "ambulance" | "walk-in" | "other";
  disposal: "admitted" | "discharged" | "referred" | "left" | "died";
}

export interface OutpatientEvent {
  day: number;
  specialty: string;
  attendance: "attended" | "did-not-attend" | "cancelled";
  first: boolean;
}

export interface ContactEvent {
  setting: "community" | "mental-health";
  service: string;
  day: number;
  mode: "face-to-face" | "home-visit" | "telephone" | "video";
}

export interface AssessmentEvent {
  day: number;
  type: "needs" | "carer" | "review" | "financial";
  outcome: "long-term-support" | "short-term-support" | "universal-services" | "no-services";
}

export type ServiceType =
  | "reablement"
  | "telecare"
  | "home-care"
  | "day-care"
  | "direct-payment"
  | "equipment"
  | "meals";
export type ServiceEndReason =
  | "completed"
  | "long-term-support"
  | "hospital"
  | "care-home"
  | "died"
  | "declined"
  | "moved"
  | "other";

export interface ServiceEvent {
  type: ServiceType;
  start: number;
  end: number | null;
  funding: "council" | "self" | "nhs" | "joint";
  referral: "hospital-discharge" | "community" | "gp" | "self" | "other" | null;
  afterSpellRef: number | null;
  hoursPerWeek: number | null;
  endReason: ServiceEndReason | null;
}

export interface PlacementEvent {
  ref: number;
  careHomeIndex: number;
  careType: "residential" | "nursing";
  type: "permanent" | "trial" | "temporary" | "respite";
  start: number;
  end: number | null;
  funding: "council" | "self" | "nhs-chc" | "joint";
  followsRef: number | null;
  endReason: "died" | "returned-home" | "moved-home" | "hospital" | "became-permanent" | "other" | null;
}

export interface CarePlanEvent {
  type: "joint-health-social" | "end-of-life" | "crisis";
  start: number;
  reviewDue: number | null;
  end: number | null;
  role: string;
  leadOrgCode: string;
}

export interface RegistrationEvent {
  practiceIndex: number;
  from: number;
  to: number | null;
  reason: "moved-practice" | "moved-away" | "died" | "other" | null;
}

export interface AddressEvent {
  from: number;
  areaIndex: number;
  postcode: string;
}

export interface DeathEvent {
  day: number;
  place: "hospital" | "home" | "care-home" | "hospice" | "other";
  cause: string;
}

export interface SocialCareEvents {
  /** First day the council knew the person (their client record was opened), or null if never. */
  clientSince: number | null;
  assessments: AssessmentEvent[];
  services: ServiceEvent[];
  placements: PlacementEvent[];
}

export interface Life {
  exitDay: number | null;
  exitReason: "died" | "moved-away" | null;
  death: DeathEvent | null;
  registrations: RegistrationEvent[];
  addresses: AddressEvent[];
  spells: SpellEvent[];
  ae: AeEvent[];
  outpatients: OutpatientEvent[];
  contacts: ContactEvent[];
  social: SocialCareEvents;
  carePlans: CarePlanEvent[];
}
