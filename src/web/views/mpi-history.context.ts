// A person's history in the master person index: their golden record and records now, every merge they took
// part in (with the form to undo it) and every decision about them, oldest first.
import type { MpiHistory } from "../../governance/index.ts";
import { longdate, num } from "../../platform/index.ts";
import { dateTime, nhsNumberText, shortId, textOr } from "./backoffice-format.ts";
import { recordRows } from "./mpi-review-item.context.ts";

const KIND_WORDS: Record<string, string> = {
  "new-person": "New person",
  "link-nhs-number": "Linked by NHS Number",
  "link-score": "Linked by score",
  "link-identifier": "Linked by identifier",
  review: "Sent for review",
  "review-link": "Reviewer linked",
  "review-separate": "Reviewer kept apart",
  merge: "Merged",
  unmerge: "Merge undone",
  relink: "Record moved",
  rename: "Source changed the record's id",
  retract: "Source deleted its record",
  "visit-move": "Visit moved to another patient",
  "review-closed": "Review item closed: the feed's event no longer applied",
};

function personLink(id: string | null, self: string): string {
  if (!id) return "–";
  if (id === self) return "this person";
  return `<a class="nhsuk-link" href="/mpi/people/${id}/history">${shortId(id)}<span class="nhsuk-u-visually-hidden"> (person ${id})</span></a>`;
}

export interface MergeForm {
  retired?: string;
  reason?: string;
  errors?: { retired?: string; reason?: string };
}

export interface UnmergeForm {
  mergeId?: string;
  reason?: string;
  error?: string;
}

export function mpiHistoryContext(
  h: MpiHistory,
  csrf: string,
  forms: { merge?: MergeForm; unmerge?: UnmergeForm; done?: string } = {},
) {
  const p = h.person;
  const name = p
    ? `${textOr(p.name.given, "")} ${textOr(p.name.family, "")}`.trim() || "Name not recorded"
    : null;
  const merge = forms.merge ?? {};
  const unmerge = forms.unmerge ?? {};
  const errorList = [
    ...(merge.errors?.retired ? [{ text: merge.errors.retired, href: "#retired" }] : []),
    ...(merge.errors?.reason ? [{ text: merge.errors.reason, href: "#merge-reason" }] : []),
    ...(unmerge.error && unmerge.mergeId
      ? [{ text: unmerge.error, href: `#unmerge-reason-${unmerge.mergeId}` }]
      : []),
  ];
  return {
    title: `${errorList.length ? "Error: " : ""}${name ?? `Person ${shortId(h.personId)}`} – MPI history`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/mpi/review", text: "Identity review queue" },
    ],
    personId: h.personId,
    heading: name ?? "A person merged into another",
    done:
      forms.done === "merged"
        ? "The two people were merged. The merge is listed below and can be undone."
        : forms.done === "unmerged"
          ? "The merge was undone: the other person is separate again."
          : null,
    summaryRows: p
      ? [
          { key: { text: "NHS Number" }, value: { text: nhsNumberText(p.nhsNumber) } },
          {
            key: { text: "Date of birth" },
            value: { text: p.birthDate ? longdate(p.birthDate) : "Not recorded" },
          },
          { key: { text: "Sex" }, value: { text: textOr(p.sex) } },
          { key: { text: "Postcode" }, value: { text: textOr(p.postcode) } },
          { key: { text: "Person id" }, value: { text: h.personId } },
        ]
      : [],
    recordRows: recordRows(h.records),
    merges: h.merges.map((m) => ({
      mergeId: m.mergeId,
      open: !m.unmergedAt && m.survivorPersonId === h.personId,
      heading:
        m.survivorPersonId === h.personId ? "Merged into this person" : "This person was merged into another",
      rows: [
        { key: { text: "When" }, value: { text: `${dateTime(m.decidedAt)} by ${m.decidedBy}` } },
        { key: { text: "Kept" }, value: { html: personLink(m.survivorPersonId, h.personId) } },
        { key: { text: "Merged in" }, value: { html: personLink(m.retiredPersonId, h.personId) } },
        { key: { text: "Records moved" }, value: { text: num(m.records) } },
        { key: { text: "Reason" }, value: { text: m.reason } },
        ...(m.unmergedAt
          ? [
              {
                key: { text: "Undone" },
                value: { text: `${dateTime(m.unmergedAt)} by ${m.unmergedBy ?? "–"}` },
              },
            ]
          : []),
      ],
      reason: unmerge.mergeId === m.mergeId ? (unmerge.reason ?? "") : "",
      error: unmerge.mergeId === m.mergeId ? unmerge.error : undefined,
    })),
    decisionRows: h.decisions.map((d) => [
      { text: dateTime(d.decided_at instanceof Date ? d.decided_at.toISOString() : String(d.decided_at)) },
      { text: KIND_WORDS[d.kind] ?? d.kind },
      { text: d.source_record_id ? `${d.source_system} ${d.source_record_id}` : "Whole person" },
      { html: `${personLink(d.from_person_id, h.personId)} to ${personLink(d.to_person_id, h.personId)}` },
      { text: d.score === null ? "–" : num(Number(d.score), 1), format: "numeric" },
      { text: d.decided_by },
      { text: d.reason },
    ]),
    mayMerge: p !== null,
    csrf,
    mergeForm: { retired: merge.retired ?? "", reason: merge.reason ?? "", errors: merge.errors ?? {} },
    errorList,
  };
}
