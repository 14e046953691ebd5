// Rejected messages and rows: filters by source, status and reason, one page at a time, no payloads.
import type { RejectList } from "../../governance/index.ts";
import { num } from "../../platform/index.ts";
import { age, dateTime, esc, PER_PAGE, paging } from "./backoffice-format.ts";

export interface RejectQuery {
  source?: string;
  status?: "open" | "replayed" | "dismissed" | "all";
  reason?: string;
  page?: number;
  /** After a replay of every open reject the filters matched: how many were accepted, of how many. */
  accepted?: number;
  of?: number;
}

/** What a replay of every open reject the filters matched did, for the banner above the list. */
function replayedText(accepted: number, of: number): string {
  if (of === 0) return "There were no open rejects to replay: someone may have dealt with them already.";
  const rejects = of === 1 ? "1 reject" : `${num(of)} rejects`;
  if (accepted === of) return `Replayed ${rejects}: ${of === 1 ? "it was" : "all were"} accepted and closed.`;
  const still = of - accepted;
  return `Replayed ${rejects}: ${num(accepted)} accepted and closed; ${num(still)} still rejected, ${still === 1 ? "its" : "each with its"} reason updated (listed below).`;
}

const STATUS_TAGS: Record<string, { text: string; classes: string }> = {
  open: { text: "Open", classes: "nhsuk-tag--red" },
  replayed: { text: "Replayed", classes: "nhsuk-tag--green" },
  dismissed: { text: "Dismissed", classes: "nhsuk-tag--grey" },
};

export function statusTag(status: string) {
  return STATUS_TAGS[status] ?? { text: status, classes: "nhsuk-tag--grey" };
}

export function rejectsContext(list: RejectList, q: RejectQuery, now: Date, csrf: string) {
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
  const replayed = q.of === undefined ? null : { accepted: q.accepted ?? 0, of: q.of };
  return {
    title: "Rejected messages",
    breadcrumbs: [{ href: "/", text: "Home" }],
    csrf,
    replayed: replayed && replayedText(replayed.accepted, replayed.of),
    replayedOk: replayed !== null && replayed.of > 0 && replayed.accepted === replayed.of,
    // Open rejects only: the others are closed, and a replay takes only open ones.
    replayAll:
      status === "open" && list.total > 0
        ? {
            source: q.source ?? "",
            reason: q.reason ?? "",
            button:
              list.total === 1 ? "Replay this open reject" : `Replay all ${num(list.total)} open rejects`,
          }
        : null,
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
