// The Timeline tab: the filter form (kind, organisation, as GET so the URL can be shared), the page of
// events newest first with each row's source system and when it was received, and the pagination.
import type { PersonPageBase, TimelinePage } from "../../governance/index.ts";
import { num } from "../../platform/index.ts";
import { previousNext } from "./pagination.ts";
import {
  bannerContext,
  instantText,
  personBreadcrumbs,
  personTitle,
  sectionsContext,
} from "./partials/person-banner.context.ts";

export const TIMELINE_PAGE_SIZE = 50;

const KIND_WORDS: Record<string, string> = {
  "hospital-spell": "Hospital admission",
  "ae-attendance": "A&E attendance",
  "outpatient-attendance": "Outpatient appointment",
  "community-contact": "Community contact",
  "mental-health-contact": "Mental health contact",
  "gp-entry": "GP record entry",
  "social-care-assessment": "Social care assessment",
  "social-care-service": "Social care service",
  "care-home-placement": "Care home placement",
  "delayed-transfer": "Delayed transfer of care",
  "care-plan": "Care plan",
};
export const kindWords = (kind: string) => KIND_WORDS[kind] ?? kind.replaceAll("-", " ");

export interface TimelineFilter {
  kind: string | null;
  organisation: string | null;
}

export function timelineHref(personId: string, filter: TimelineFilter, page = 1): string {
  const q = new URLSearchParams();
  if (filter.kind) q.set("kind", filter.kind);
  if (filter.organisation) q.set("organisation", filter.organisation);
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return `/people/${personId}/timeline${s ? `?${s}` : ""}`;
}

export function timelineContext(page: PersonPageBase & { timeline: TimelinePage }, filter: TimelineFilter) {
  const person = bannerContext(page.banner, page, page.today);
  const t = page.timeline;
  const id = person.personId;
  const filtered = filter.kind !== null || filter.organisation !== null;
  const range =
    t.total === 0
      ? ""
      : `, showing ${num((t.page - 1) * TIMELINE_PAGE_SIZE + 1)} to ${num(Math.min(t.page * TIMELINE_PAGE_SIZE, t.total))}`;
  return {
    title: personTitle(person, "timeline"),
    breadcrumbs: personBreadcrumbs(person, "timeline"),
    person,
    sections: sectionsContext(id, "timeline"),
    timeline: {
      action: `/people/${id}/timeline`,
      kindItems: [
        { value: "", text: "All kinds", selected: !filter.kind },
        ...t.kinds.map((k) => ({
          value: k.kind,
          text: `${kindWords(k.kind)} (${num(k.count)})`,
          selected: k.kind === filter.kind,
        })),
      ],
      organisationItems: [
        { value: "", text: "All organisations", selected: !filter.organisation },
        ...t.organisations.map((o) => ({
          value: o.code,
          text: `${o.name ? `${o.name} (${o.code})` : o.code} (${num(o.count)})`,
          selected: o.code === filter.organisation,
        })),
      ],
      countText:
        t.all === 0
          ? "No events are recorded for this person."
          : filtered
            ? `${num(t.total)} of ${num(t.all)} events match the filters${range}.`
            : `${num(t.total)} events${range}.`,
      rows: t.events.map((e) => [
        { text: instantText(e.at) + (e.endedAt ? ` to ${instantText(e.endedAt)}` : "") },
        {
          text: `${kindWords(e.kind)}: ${e.description ? `${e.description} (${e.detail})` : e.detail || "no detail"}`,
        },
        {
          text: e.organisation
            ? e.organisationName
              ? `${e.organisationName} (${e.organisation})`
              : e.organisation
            : "Not recorded",
        },
        { text: `${e.sourceSystem}, record ${e.sourceRecordId}, received ${instantText(e.receivedAt)}` },
      ]),
      pagination:
        t.pages > 1
          ? previousNext(
              t.page,
              t.pages,
              (p) => timelineHref(id, filter, p),
              (p) => `Page ${p} of ${t.pages}`,
            )
          : null,
    },
  };
}
