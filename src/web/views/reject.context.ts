// One reject in full: where it came from, why it was refused, its raw payload (the showing is audited), and
// what can be done: replay it after a fix, or dismiss it with a reason.
import type { RejectRow } from "../../ingest/index.ts";
import { num } from "../../platform/index.ts";
import { dateTime } from "./backoffice-format.ts";
import { statusTag } from "./rejects.context.ts";

export interface DismissForm {
  reason?: string;
  error?: string;
}

export function rejectContext(
  r: RejectRow,
  csrf: string,
  options: { dismiss?: DismissForm; replayed?: "accepted" | "rejected"; dismissed?: boolean } = {},
) {
  const dismiss = options.dismiss ?? {};
  const tag = statusTag(r.status);
  return {
    title: `${dismiss.error ? "Error: " : ""}Reject from ${r.sourceSystem}`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/rejects", text: "Rejected messages" },
    ],
    reject: r,
    open: r.status === "open",
    statusHtml: `<strong class="nhsuk-tag ${tag.classes}">${tag.text}</strong>`,
    rows: [
      { key: { text: "Source" }, value: { text: r.sourceSystem } },
      {
        key: { text: "Format" },
        value: { text: `${r.format.toUpperCase()}${r.layout ? ` ${r.layout}` : ""}` },
      },
      { key: { text: "Arrived in" }, value: { text: r.origin } },
      { key: { text: "Where" }, value: { text: r.location ?? "–" } },
      { key: { text: "Why it was rejected" }, value: { text: r.reason } },
      { key: { text: "Received" }, value: { text: dateTime(r.receivedAt) } },
      { key: { text: "Attempts" }, value: { text: num(r.attempts) } },
      ...(r.resolvedAt
        ? [
            {
              key: { text: r.status === "dismissed" ? "Dismissed" : "Resolved" },
              value: { text: `${dateTime(r.resolvedAt)} by ${r.resolvedBy ?? "–"}` },
            },
          ]
        : []),
      ...(r.resolutionNote ? [{ key: { text: "Reason given" }, value: { text: r.resolutionNote } }] : []),
    ],
    header: r.context,
    payload: r.format === "hl7" ? r.payload.replaceAll("\r", "\n") : r.payload,
    replayed:
      options.replayed === "accepted"
        ? "Replayed: the message was accepted this time."
        : options.replayed === "rejected"
          ? "Replayed, but it was rejected again. The reason below is the latest."
          : null,
    replayedOk: options.replayed === "accepted",
    dismissed: options.dismissed ? "Dismissed: the reject is closed with your reason." : null,
    csrf,
    dismissReason: dismiss.reason ?? "",
    dismissError: dismiss.error,
  };
}
