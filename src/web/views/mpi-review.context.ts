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

/** What a feed's event item asks, in words (ids only, never demographics). */
export function eventAsked(item: Pick<ReviewItem, "kind" | "detail" | "sourceSystem" | "recordId">): string {
  const d = item.detail as Record<string, string | undefined>;
  if (item.kind === "visit-move")
    return `${d.event ?? "A45"} from ${item.sourceSystem}: move visit ${d.visit ?? ""} from record ${item.recordId} onto record ${d.toRecordId ?? ""} (the candidate)`;
  if (item.kind === "record-delete")
    return `${d.event ?? "A29"} from ${item.sourceSystem}: delete record ${item.recordId}, this person's last record, while OnePlace holds care about them`;
  return "";
}

/** Why an item waits for a person rather than linking (or applying a feed's event) by itself. */
export function whyInReview(item: Pick<ReviewItem, "score" | "comparison" | "kind" | "detail">): string {
  if (item.kind !== "link") {
    const why = (item.detail as { why?: string }).why;
    return `a feed's event the master person index cannot confirm${why ? `: ${why}` : ""}`;
  }
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
      {
        text: item.kind === "link" ? `${item.sourceSystem} ${item.recordId}` : eventAsked(item),
      },
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
