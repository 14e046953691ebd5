// The IG officer's break-glass list: accesses awaiting review (oldest first), then those reviewed, paged.
import type { BreakGlassEntry, BreakGlassReviews } from "../../governance/index.ts";
import { dateTime, esc, nhs, personName, showing } from "./ig-helpers.ts";
import { pagination } from "./pagination.ts";

export const OUTCOME_WORDS: Record<string, { text: string; colour: string }> = {
  appropriate: { text: "Appropriate", colour: "green" },
  "not-appropriate": { text: "Not appropriate", colour: "red" },
  "follow-up": { text: "Needs follow-up", colour: "orange" },
};

export function outcomeTag(outcome: string | null): string {
  const o = outcome ? OUTCOME_WORDS[outcome] : null;
  return o
    ? `<strong class="nhsuk-tag nhsuk-tag--${o.colour}">${o.text}</strong>`
    : `<strong class="nhsuk-tag nhsuk-tag--grey">Reviewed</strong>`;
}

function who(e: BreakGlassEntry): string {
  const alert = e.alert
    ? `<br><strong class="nhsuk-tag nhsuk-tag--red">Alert</strong> <span class="nhsuk-body-s">${esc(e.alert)}</span>`
    : "";
  return `${esc(e.userDisplayName)} (${esc(e.username)})<br><span class="nhsuk-body-s">${esc(e.roleName)}, ${esc(e.teamName)}</span>${alert}`;
}

function person(e: BreakGlassEntry): string {
  const merged = e.mergedInto
    ? `<br><span class="nhsuk-body-s">A record since merged into this person's</span>`
    : "";
  return `${esc(personName(e.personName))}<br><span class="nhsuk-body-s">NHS Number ${esc(nhs(e.nhsNumber))}</span>${merged}`;
}

const reviewHref = (e: BreakGlassEntry) => `/ig/break-glass/${e.breakGlassId}`;

export function breakGlassListContext(data: BreakGlassReviews, reviewedNow: BreakGlassEntry | null = null) {
  const awaitingRows = data.awaiting.rows.map((e) => [
    { text: dateTime(e.startedAt), header: "Broke glass" },
    { html: who(e), header: "Who" },
    { html: person(e), header: "Person" },
    { text: e.reason, header: "Reason given" },
    {
      html: `<a class="nhsuk-link" href="${reviewHref(e)}">Review<span class="nhsuk-u-visually-hidden"> the access by ${esc(e.username)} on ${esc(dateTime(e.startedAt))}</span></a>`,
      header: "Action",
    },
  ]);
  const reviewedRows = data.reviewed.rows.map((e) => [
    { text: dateTime(e.startedAt), header: "Broke glass" },
    { html: who(e), header: "Who" },
    { html: person(e), header: "Person" },
    { html: outcomeTag(e.reviewOutcome), header: "Outcome" },
    { text: `${e.reviewedBy ?? "–"}, ${dateTime(e.reviewedAt)}`, header: "Reviewed by" },
    {
      html: `<a class="nhsuk-link" href="${reviewHref(e)}">View<span class="nhsuk-u-visually-hidden"> the review of the access by ${esc(e.username)} on ${esc(dateTime(e.startedAt))}</span></a>`,
      header: "Action",
    },
  ]);
  return {
    title: "Break-glass accesses",
    breadcrumbs: [{ href: "/", text: "Home" }],
    reviewedNow: reviewedNow
      ? {
          text: `You reviewed the access by ${reviewedNow.username} on ${dateTime(reviewedNow.startedAt)}: ${OUTCOME_WORDS[reviewedNow.reviewOutcome ?? ""]?.text ?? "reviewed"}.`,
        }
      : null,
    awaiting: {
      total: data.awaiting.total,
      shownAll: data.awaiting.rows.length >= data.awaiting.total,
      shown: data.awaiting.rows.length,
      rows: awaitingRows,
    },
    reviewed: {
      total: data.reviewed.total,
      showing: showing(data.page, data.pageSize, data.reviewed.total, "reviewed accesses"),
      rows: reviewedRows,
    },
    pagination: pagination(data.page, data.pageSize, data.reviewed.total, (n) => `/ig/break-glass?page=${n}`),
  };
}
