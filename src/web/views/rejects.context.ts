// Rejected messages and rows: filters by source, status and reason, one page at a time, no payloads.
import type { RejectList } from "../../governance/index.ts";
import { num } from "../../platform/index.ts";
import { age, dateTime, esc, PER_PAGE, paging } from "./backoffice-format.ts";

export interface RejectQuery {
  source?: string;
  status?: "open" | "replayed" | "dismissed" | "all";
  reason?: string;
  page?: number;
}

const STATUS_TAGS: Record<string, { text: string; classes: string }> = {
  open: { text: "Open", classes: "nhsuk-tag--red" },
  replayed: { text: "Replayed", classes: "nhsuk-tag--green" },
  dismissed: { text: "Dismissed", classes: "nhsuk-tag--grey" },
};

export function statusTag(status: string) {
  return STATUS_TAGS[status] ?? { text: status, classes: "nhsuk-tag--grey" };
}

export function rejectsContext(list: RejectList, q: RejectQuery, now: Date) {
  const status = q.status ?? "open";
  const page = q.page ?? 1;
  const pager = paging(
    "/rejects",
    { source: q.source, status: status === "open" ? undefined : status, reason: q.reason },
    page,
    PER_PAGE,
    list.total,
  );
  const filtered = Boolean(q.source || q.reason || status !== "open");
  return {
    title: "Rejected messages",
    breadcrumbs: [{ href: "/", text: "Home" }],
    total: list.total,
    totalText: num(list.total),
    filtered,
    pager,
    sourceItems: [
      { value: "", text: "All sources" },
      ...list.sources.map((s) => ({ value: s, text: s, selected: s === q.source })),
    ],
    statusItems: [
      { value: "open", text: "Open", selected: status === "open" },
      { value: "replayed", text: "Replayed", selected: status === "replayed" },
      { value: "dismissed", text: "Dismissed", selected: status === "dismissed" },
      { value: "all", text: "All", selected: status === "all" },
    ],
    reason: q.reason ?? "",
    rows: list.rejects.map((r) => {
      const tag = statusTag(r.status);
      return [
        {
          html: `<a class="nhsuk-link" href="/rejects/${r.rejectId}">View<span class="nhsuk-u-visually-hidden"> reject from ${esc(r.sourceSystem)} received ${dateTime(r.receivedAt)}</span></a>`,
        },
        { text: `${dateTime(r.receivedAt)} (${age(r.receivedAt, now)})` },
        { text: r.sourceSystem },
        { text: `${r.format.toUpperCase()}${r.layout ? ` ${r.layout}` : ""}` },
        { text: r.location ?? r.origin },
        { text: r.reason },
        {
          html: `<strong class="nhsuk-tag ${tag.classes}">${tag.text}</strong>${r.attempts > 1 ? ` <span class="nhsuk-body-s">${r.attempts} attempts</span>` : ""}`,
        },
      ];
    }),
  };
}
