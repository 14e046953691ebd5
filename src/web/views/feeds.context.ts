// Feed health per source: when it last sent, how much, how much was refused, what is waiting, and the lag.
import type { FeedHealth } from "../../ingest/index.ts";
import { num } from "../../platform/index.ts";
import { age, dateTime, esc } from "./backoffice-format.ts";

/** A source is receiving if it sent within the hour, quiet within the day, silent after that. */
export function feedState(lastReceivedAt: string | null, now: Date): { text: string; classes: string } {
  if (!lastReceivedAt) return { text: "Nothing received", classes: "nhsuk-tag--grey" };
  const hours = (now.getTime() - new Date(lastReceivedAt).getTime()) / 3_600_000;
  if (hours <= 1) return { text: "Receiving", classes: "nhsuk-tag--green" };
  if (hours <= 24) return { text: "Quiet", classes: "nhsuk-tag--yellow" };
  return { text: "Silent", classes: "nhsuk-tag--red" };
}

/** How late messages arrive after they were sent, in the largest whole unit; files have no lag. */
export function lagText(seconds: number | null): string {
  if (seconds === null) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${num(s)} seconds`;
  if (s < 7_200) return `${num(Math.round(s / 60))} minutes`;
  if (s < 172_800) return `${num(Math.round(s / 3_600))} hours`;
  return `${num(Math.round(s / 86_400))} days`;
}

export function feedsContext(feeds: FeedHealth[], now: Date) {
  const totals = feeds.reduce(
    (t, f) => ({
      received: t.received + f.received,
      rejected: t.rejected + f.rejected,
      openRejects: t.openRejects + f.openRejects,
      reviewQueue: t.reviewQueue + f.reviewQueue,
    }),
    { received: 0, rejected: 0, openRejects: 0, reviewQueue: 0 },
  );
  const silent = feeds.filter((f) => feedState(f.lastReceivedAt, now).text === "Silent").length;
  return {
    title: "Feed health",
    breadcrumbs: [{ href: "/", text: "Home" }],
    asOf: dateTime(now.toISOString()),
    count: feeds.length,
    silent,
    summaryRows: [
      { key: { text: "Sources" }, value: { text: num(feeds.length) } },
      { key: { text: "Messages and rows received" }, value: { text: num(totals.received) } },
      { key: { text: "Rejected" }, value: { text: num(totals.rejected) } },
      {
        key: { text: "Open rejects" },
        value: { html: `<a class="nhsuk-link" href="/rejects">${num(totals.openRejects)}</a>` },
      },
      {
        key: { text: "Waiting for identity review" },
        value: { html: `<a class="nhsuk-link" href="/mpi/review">${num(totals.reviewQueue)}</a>` },
      },
    ],
    rows: feeds.map((f) => {
      const state = feedState(f.lastReceivedAt, now);
      const source = encodeURIComponent(f.sourceSystem);
      return [
        { text: f.sourceSystem },
        { html: `<strong class="nhsuk-tag ${state.classes}">${state.text}</strong>` },
        {
          text: f.lastReceivedAt ? `${dateTime(f.lastReceivedAt)} (${age(f.lastReceivedAt, now)})` : "Never",
        },
        { text: lagText(f.lagSeconds) },
        { text: num(f.received), format: "numeric" },
        { text: `${num(f.rejected)} (${num(f.rejectRate * 100, 1)}%)`, format: "numeric" },
        {
          html:
            f.openRejects > 0
              ? `<a class="nhsuk-link" href="/rejects?source=${source}">${num(f.openRejects)}<span class="nhsuk-u-visually-hidden"> open rejects from ${esc(f.sourceSystem)}</span></a>`
              : "0",
          format: "numeric",
        },
        { text: num(f.heldVisits), format: "numeric" },
        { text: num(f.reviewQueue), format: "numeric" },
        { text: num(f.unmapped.length), format: "numeric" },
      ];
    }),
    heldMessageRows: feeds.flatMap((f) =>
      (f.heldMessages ?? []).map((m) => [
        { text: f.sourceSystem },
        { text: m.controlId },
        { text: m.messageType },
        { text: m.messageTime ? dateTime(m.messageTime) : "–" },
        { text: dateTime(m.heldAt) },
        { text: m.reason },
      ]),
    ),
    heldMessagesNotListed: feeds.reduce(
      (n, f) => n + Math.max(0, (f.heldMessageCount ?? 0) - (f.heldMessages?.length ?? 0)),
      0,
    ),
    unmappedRows: feeds.flatMap((f) =>
      f.unmapped.map((u) => [
        { text: f.sourceSystem },
        { text: `${u.mapName} (${u.field})` },
        { text: u.code },
        { text: num(u.occurrences), format: "numeric" },
      ]),
    ),
  };
}
