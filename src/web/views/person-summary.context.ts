// The Summary tab in words: risk tier and score with its top factors, the eFI with each deficit and the
// record behind it, long-term conditions, current medicines, social care, care home and reviews, each fact
// with its source and when it was received.
import type { PersonPageBase, PersonSummaryFacts } from "../../governance/index.ts";
import { longdate, num } from "../../platform/index.ts";
import {
  bannerContext,
  personBreadcrumbs,
  personTitle,
  provenanceText,
  sectionsContext,
} from "./partials/person-banner.context.ts";

type Cell = { text: string };
const row = (...cells: string[]): Cell[] => cells.map((text) => ({ text }));
const words = (s: string | null | undefined) => (s ?? "").replaceAll("-", " ");
const sentence = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

const TIERS: Record<string, string> = {
  "very-high": "Very high",
  high: "High",
  rising: "Rising",
  low: "Low",
};
const EFI: Record<string, string> = {
  fit: "Fit",
  mild: "Mild frailty",
  moderate: "Moderate frailty",
  severe: "Severe frailty",
};

export function summaryContext(page: PersonPageBase & { summary: PersonSummaryFacts | null }) {
  const person = bannerContext(page.banner, page, page.today);
  const s = page.summary;
  return {
    title: personTitle(person, "summary"),
    breadcrumbs: personBreadcrumbs(person, "summary"),
    person,
    sections: sectionsContext(person.personId, "summary"),
    summary: s ? summaryFacts(s) : null,
  };
}

function summaryFacts(s: PersonSummaryFacts) {
  const stratified = s.asOf ? `Stratified on ${longdate(s.asOf)}` : "";
  return {
    risk: s.risk
      ? {
          rows: [
            {
              key: { text: "Risk tier" },
              value: { text: s.risk.tier ? (TIERS[s.risk.tier] ?? s.risk.tier) : "Not placed in a tier" },
            },
            {
              key: { text: "Chance of an emergency admission in the next 12 months" },
              value: {
                text:
                  s.risk.probability === null
                    ? "Not scored"
                    : `${num(s.risk.probability * 100, 1)}%${s.risk.percentile === null ? "" : ` (in the highest ${num(Math.max(0.1, 100 - s.risk.percentile), 1)}% of the population)`}`,
              },
            },
            { key: { text: "High intensity user" }, value: { text: s.risk.hiu ? "Yes" : "No" } },
            {
              key: { text: "Source" },
              value: {
                text: `OnePlace risk stratification${s.risk.modelVersion ? `, model version ${s.risk.modelVersion}` : ""}. ${stratified}`.trim(),
              },
            },
          ],
          factors: s.risk.factors.map((f) =>
            row(
              f.label,
              f.value,
              `Raises the odds ${num(f.oddsRatio, 1)} times compared with an average person`,
            ),
          ),
        }
      : null,
    efi: s.efi
      ? {
          headline: s.efi.category
            ? `${EFI[s.efi.category] ?? s.efi.category}: ${s.efi.deficitCount} of 36 deficits (eFI ${num(s.efi.score, 2)})${stratified ? `. ${stratified}` : ""}`
            : `${s.efi.deficitCount} of 36 deficits. The eFI category is given only from age 65, the age it was validated for.`,
          rows: s.efi.deficits.map((d) =>
            row(d.name, longdate(d.firstOn), d.evidence, provenanceText(d.provenance)),
          ),
        }
      : null,
    conditions: s.longTermConditions.map((d) =>
      row(d.name, longdate(d.firstOn), d.evidence, provenanceText(d.provenance)),
    ),
    medicinesCaption: s.medicinesWindow
      ? `Medicines issued from ${longdate(s.medicinesWindow.from)} to ${longdate(s.medicinesWindow.to)} (the six months to the latest issue)`
      : "Current medicines",
    medicines: s.medicines.map((m) =>
      row(
        m.name,
        m.repeat ? "Repeat" : "Acute",
        `${longdate(m.lastIssuedOn)}${m.issues > 1 ? ` (${m.issues} issues)` : ""}`,
        provenanceText(m.provenance),
      ),
    ),
    socialCare: s.socialCare.map((c) =>
      row(
        sentence(words(c.serviceType)) + (c.hoursPerWeek ? `, ${num(c.hoursPerWeek, 1)} hours a week` : ""),
        longdate(c.startedOn),
        sentence(words(c.funding)),
        provenanceText(c.provenance),
      ),
    ),
    careHome: s.careHome
      ? [
          {
            key: { text: "Care home" },
            value: {
              text: s.careHome.home.name
                ? `${s.careHome.home.name} (${s.careHome.home.code})`
                : s.careHome.home.code,
            },
          },
          {
            key: { text: "Care" },
            value: { text: `${sentence(s.careHome.careType)}, ${s.careHome.placementType} placement` },
          },
          { key: { text: "Since" }, value: { text: longdate(s.careHome.startedOn) } },
          { key: { text: "Funding" }, value: { text: sentence(words(s.careHome.funding)) } },
          { key: { text: "Source" }, value: { text: provenanceText(s.careHome.provenance) } },
        ]
      : null,
    reviews: s.reviews.map((r) =>
      row(
        sentence(words(r.planType)),
        `${longdate(r.reviewDueOn)}${r.overdue ? " (overdue)" : ""}`,
        [sentence(words(r.leadRole)), r.leadOrganisation?.name ?? r.leadOrganisation?.code]
          .filter(Boolean)
          .join(", ") || "Not recorded",
        provenanceText(r.provenance),
      ),
    ),
  };
}
