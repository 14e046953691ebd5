// The person banner and the record's sections, as every person page shows them: the banner's facts in
// words (NHS Number 3-3-4, age with the date of birth, the registered practice, alerts as tags), and the
// links between Summary, Timeline, Care team, Care plan and Records. Person pages pass `person` and `sections`.
import { ageOn, normaliseNhsNumber, spaceNhsNumber } from "../../../core/index.ts";
import type { Disclosure, PersonBannerFacts, Provenance, Relationship } from "../../../governance/index.ts";
import { longdate } from "../../../platform/index.ts";

export const PERSON_SECTIONS = [
  { id: "summary", text: "Summary", path: "" },
  { id: "timeline", text: "Timeline", path: "/timeline" },
  { id: "care-team", text: "Care team", path: "/care-team" },
  { id: "care-plan", text: "Care plan", path: "/care-plan" },
  { id: "records", text: "Records", path: "/records" },
] as const;
export type PersonSection = (typeof PERSON_SECTIONS)[number]["id"];

export interface BannerAlert {
  text: string;
  colour: "red" | "orange" | "blue" | "purple" | "grey" | "yellow" | "green";
  detail: string;
}

export interface PersonBannerContext {
  personId: string;
  name: string;
  nhsNumber: string;
  birth: string;
  sex: string;
  address: string;
  practice: string;
  alerts: BannerAlert[];
  provenance: string;
  breakGlass: boolean;
  demographicsOnly: boolean;
}

/** 9991234567 as 999 123 4567; a missing or malformed number says so rather than showing digits wrongly. */
export function nhsNumberText(nhs: string | null): string {
  const digits = nhs ? normaliseNhsNumber(nhs) : null;
  if (!digits) return nhs ? `${nhs} (not a valid NHS Number)` : "Not known";
  return spaceNhsNumber(digits);
}

export function fullName(given: string | null, family: string | null): string {
  return [given, family].filter(Boolean).join(" ") || "Name not known";
}

/** 2016-03-31T09:05:00Z as 31 March 2016 at 09:05 (UTC written as received). */
export function instantText(iso: string | null): string {
  if (!iso) return "–";
  const time = iso.length > 10 ? ` at ${iso.slice(11, 16)}` : "";
  return `${longdate(iso)}${time}`;
}

/** "From <system> (record <id>), received <when>": every fact on a person page says where it came from. */
export function provenanceText(p: Provenance | null): string {
  if (!p) return "Derived by OnePlace from the records above";
  return `${p.sourceSystem}, record ${p.sourceRecordId}, received ${instantText(p.receivedAt)}`;
}

const SEX: Record<string, string> = { female: "Female", male: "Male", other: "Other", unknown: "Not known" };
const words = (s: string | null) => (s ?? "").replaceAll("-", " ");
const org = (o: { code: string; name: string | null } | null) =>
  o ? (o.name ? `${o.name} (${o.code})` : o.code) : "";

export function bannerContext(
  facts: PersonBannerFacts,
  decision: { disclosure: Disclosure | null; relationship: Relationship | null },
  today: string,
): PersonBannerContext {
  const onDay = facts.died?.on ?? today;
  const alerts: BannerAlert[] = [];
  if (facts.died) {
    alerts.push({
      text: "Deceased",
      colour: "grey",
      detail: `Died ${longdate(facts.died.on)} (${provenanceText(facts.died.provenance)})`,
    });
  }
  if (facts.objectionHolders.length > 0) {
    alerts.push({
      text: "Sharing objection",
      colour: "red",
      detail: `Objects to sharing beyond ${facts.objectionHolders.join(", ")}`,
    });
  }
  if (facts.inHospital) {
    alerts.push({
      text: "In hospital now",
      colour: "orange",
      detail: `${org(facts.inHospital.provider)} since ${instantText(facts.inHospital.admittedAt)} (${provenanceText(facts.inHospital.provenance)})`,
    });
  }
  for (const r of facts.registers) {
    alerts.push({
      text: "On a register",
      colour: "blue",
      detail: `${words(r.registerId)} (${r.orgCode}) since ${longdate(r.joinedOn)}`,
    });
  }
  for (const l of facts.leadProfessionals) {
    alerts.push({
      text: "Lead professional",
      colour: "purple",
      detail: `${words(l.role) || "role not recorded"}${l.organisation ? `, ${org(l.organisation)}` : ""} (${words(l.planType)} plan)`,
    });
  }
  const age = ageOn(facts.birthDate, onDay);
  return {
    personId: facts.personId,
    name: fullName(facts.givenName, facts.familyName),
    nhsNumber: nhsNumberText(facts.nhsNumber),
    birth: `${longdate(facts.birthDate)} (${facts.died ? `aged ${age} at death` : `${age} years old`})`,
    sex: SEX[facts.sex] ?? facts.sex,
    address: facts.postcode ?? "Not known",
    practice: facts.practice
      ? `${org(facts.practice)}, registered since ${longdate(facts.practice.registeredOn)}`
      : "Not registered with a practice",
    alerts,
    provenance: provenanceText(facts.provenance),
    breakGlass: decision.relationship === "break-glass",
    demographicsOnly: decision.disclosure === "demographics",
  };
}

/** The record's sections as links, the current one marked for assistive technology. */
export function sectionsContext(personId: string, current: PersonSection) {
  return PERSON_SECTIONS.map((s) => ({
    text: s.text,
    href: `/people/${personId}${s.path}`,
    current: s.id === current,
  }));
}

/** A person page's title: "Jane Smith – Timeline" (the layout adds "– OnePlace"). */
export function personTitle(banner: PersonBannerContext, current: PersonSection): string {
  const section = PERSON_SECTIONS.find((s) => s.id === current)?.text ?? "";
  return `${banner.name} – ${section}`;
}

/** Where a person page sits (H1's layout renders them): home, find a person, and the Summary for a section. */
export function personBreadcrumbs(banner: PersonBannerContext, current: PersonSection) {
  const trail = [
    { href: "/", text: "Home" },
    { href: "/find", text: "Find a person" },
  ];
  return current === "summary"
    ? trail
    : [...trail, { href: `/people/${banner.personId}`, text: banner.name }];
}
