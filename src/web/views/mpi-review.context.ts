// The identity review queue: each open item with its score, why it waits and how each field compared.
import type { ReviewItem } from "../../mpi/index.ts";
import { agreementOf, LOWER_THRESHOLD, UPPER_THRESHOLD } from "../../mpi/index.ts";
import { num } from "../../platform/index.ts";
import {
  age,
  agreementTag,
  dateTime,
  esc,
  FIELD_LABELS,
  PER_PAGE,
  paging,
  tagHtml,
} from "./backoffice-format.ts";

/** Why an item waits for a person rather than linking by itself. */
export function whyInReview(item: Pick<ReviewItem, "score" | "comparison">): string {
  const flat = item.comparison.fields.filter((f) => agreementOf(f.outcome) === "differs");
  if (item.comparison.blocking && flat.length > 0) {
    const names = flat.map((f) => (FIELD_LABELS[f.field] ?? f.field).toLowerCase()).join(" and ");
    return `${names} flatly ${flat.length === 1 ? "disagrees" : "disagree"}, so it never links by itself`;
  }
  return `score between ${LOWER_THRESHOLD} (new person) and ${UPPER_THRESHOLD} (links by itself)`;
}

export function mpiReviewContext(
  queue: { items: ReviewItem[]; total: number },
  page: number,
  now: Date,
  decided?: string,
) {
  const pager = paging("/mpi/review", {}, page, PER_PAGE, queue.total);
  return {
    title: "Identity review queue",
    breadcrumbs: [{ href: "/", text: "Home" }],
    decided: decided === "link" ? "linked to the candidate" : decided === "separate" ? "kept apart" : null,
    total: queue.total,
    pager,
    rows: queue.items.map((item) => [
      {
        html: `<a class="nhsuk-link" href="/mpi/review/${item.reviewId}">Compare<span class="nhsuk-u-visually-hidden"> ${esc(item.sourceSystem)} record ${esc(item.recordId)}</span></a>`,
      },
      { text: `${item.sourceSystem} ${item.recordId}` },
      { text: num(item.score, 1), format: "numeric" },
      { text: whyInReview(item) },
      {
        html: item.comparison.fields
          .map((f) => `${FIELD_LABELS[f.field] ?? f.field} ${tagHtml(agreementTag(agreementOf(f.outcome)))}`)
          .join("<br>"),
      },
      { text: `${dateTime(item.createdAt)} (${age(item.createdAt, now)})` },
    ]),
  };
}
