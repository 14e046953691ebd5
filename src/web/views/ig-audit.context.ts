// The audit search: who looked at this person (by NHS Number), or what this user looked at (by username),
// newest first, a page at a time.
import type { AuditLine, PersonAudit, UserAudit } from "../../governance/index.ts";
import { dateTime, esc, nhs, personName, showing } from "./ig-helpers.ts";
import { pagination } from "./pagination.ts";

export interface AuditSearch {
  nhsNumber?: string;
  username?: string;
  errors?: { nhsNumber?: string; username?: string };
}

function result(a: AuditLine): string {
  const tag = a.allowed
    ? `<strong class="nhsuk-tag nhsuk-tag--green">Allowed</strong>`
    : `<strong class="nhsuk-tag nhsuk-tag--red">Denied</strong>`;
  const bg = a.flagged ? ` <strong class="nhsuk-tag nhsuk-tag--orange">Break-glass</strong>` : "";
  return `${tag}${bg}<br><span class="nhsuk-body-s">${esc(a.reason)}</span>`;
}

function who(a: AuditLine): string {
  const role = [a.roleCode, a.teamCode].filter(Boolean).join(", ");
  return `${esc(a.actor)}${role ? `<br><span class="nhsuk-body-s">${esc(role)}</span>` : ""}`;
}

const where = (a: AuditLine) => [a.channel, a.detail].filter(Boolean).join(": ");

export function auditSearchContext(search: AuditSearch, found: PersonAudit | UserAudit | null) {
  const errors = search.errors ?? {};
  const errorList = [
    ...(errors.nhsNumber ? [{ text: errors.nhsNumber, href: "#nhsNumber" }] : []),
    ...(errors.username ? [{ text: errors.username, href: "#username" }] : []),
  ];
  const base = {
    breadcrumbs: [{ href: "/", text: "Home" }],
    nhsNumber: search.nhsNumber ?? "",
    username: search.username ?? "",
    errors,
    errorList,
  };
  if (!found || "username" in found === false) {
    const personAudit = found as PersonAudit | null;
    if (!personAudit)
      return { ...base, title: `${errorList.length ? "Error: " : ""}Audit trail`, result: null };
    const href = (n: number) => `/ig/audit?nhsNumber=${encodeURIComponent(search.nhsNumber ?? "")}&page=${n}`;
    return {
      ...base,
      title: "Who looked at this person – Audit trail",
      result: {
        kind: "person",
        heading:
          personAudit.people.length === 0
            ? "Nobody has that NHS Number"
            : `Who looked at ${personName(personAudit.people[0].name)}`,
        people: personAudit.people.map((p) => ({
          key: { text: personName(p.name) },
          value: { text: `NHS Number ${nhs(p.nhsNumber)}` },
        })),
        known: personAudit.people.length > 0,
        showing: showing(personAudit.page, personAudit.pageSize, personAudit.events.total, "audit rows"),
        rows: personAudit.events.rows.map((a) => [
          { text: dateTime(a.occurredAt), header: "When" },
          { html: who(a), header: "Who" },
          {
            text: a.withheldTarget ? `${a.action} (withheld from a list)` : a.action,
            header: "Action",
          },
          { html: result(a), header: "Result" },
          { text: where(a), header: "Where" },
        ]),
        pagination: pagination(personAudit.page, personAudit.pageSize, personAudit.events.total, href),
      },
    };
  }
  const userAudit = found as UserAudit;
  const byId = new Map(userAudit.people.map((p) => [p.personId, p]));
  const href = (n: number) => `/ig/audit?username=${encodeURIComponent(userAudit.username)}&page=${n}`;
  return {
    ...base,
    title: `What ${userAudit.username} looked at – Audit trail`,
    result: {
      kind: "user",
      heading: `What ${userAudit.username} looked at`,
      people: [],
      known: true,
      showing: showing(userAudit.page, userAudit.pageSize, userAudit.events.total, "audit rows"),
      rows: userAudit.events.rows.map((a) => {
        const one = a.personIds.length === 1 ? byId.get(a.personIds[0]) : undefined;
        const count = a.disclosedCount + a.withheldCount;
        return [
          { text: dateTime(a.occurredAt), header: "When" },
          { text: a.action, header: "Action" },
          {
            html: one
              ? `<a class="nhsuk-link" href="/ig/audit?nhsNumber=${esc(one.nhsNumber ?? "")}">${esc(personName(one.name))}</a><br><span class="nhsuk-body-s">NHS Number ${esc(nhs(one.nhsNumber))}</span>`
              : count > 0
                ? `${a.disclosedCount} shown, ${a.withheldCount} withheld`
                : "No person",
            header: "Who about",
          },
          { html: result(a), header: "Result" },
          { text: where(a), header: "Where" },
        ];
      }),
      pagination: pagination(userAudit.page, userAudit.pageSize, userAudit.events.total, href),
    },
  };
}
