// A person's sharing choices: objections to sharing (held by an organisation) and the national data opt-out,
// with the form to record or withdraw one, its check-and-confirm page and the confirmation.
import type { SharingChange, SharingChangeKind, SharingView } from "../../governance/index.ts";
import { longDate, nhs, personName } from "./ig-helpers.ts";

export interface SharingForm {
  change?: string;
  day?: string;
  month?: string;
  year?: string;
  source?: string;
  errors?: Record<string, string>;
}

const active = <T extends { withdrawnOn: string | null }>(rows: T[]) =>
  rows.filter((r) => r.withdrawnOn === null);

function orgLabel(view: SharingView): string {
  return view.organisation ? (view.organisation.name ?? view.organisation.code) : "your organisation";
}

/** The one current objection this user's organisation holds, and the current opt-out, if any. */
export function currentRecords(view: SharingView) {
  const code = view.organisation?.code;
  return {
    objection: active(view.objections).find((o) => o.holdingOrgCode === code) ?? null,
    optOut: active(view.optOuts)[0] ?? null,
  };
}

function personHeading(view: SharingView) {
  const name = personName(view.person.name);
  return { name, nhsNumber: nhs(view.person.nhsNumber) };
}

export function sharingContext(view: SharingView, csrf: string, form: SharingForm = {}) {
  const { name, nhsNumber } = personHeading(view);
  const errors = form.errors ?? {};
  const order = ["change", "date", "source", "recordId"];
  const anchors: Record<string, string> = {
    change: "#change",
    date: "#on-day",
    source: "#source",
    recordId: "#change",
  };
  const errorList = order.filter((k) => errors[k]).map((k) => ({ text: errors[k], href: anchors[k] }));
  const current = currentRecords(view);
  const org = orgLabel(view);
  const choices = [
    ...(current.objection
      ? [
          {
            value: "withdraw-objection",
            text: `Withdraw the objection held by ${org}`,
            hint: { text: "Other organisations caring for the person see the record again." },
          },
        ]
      : [
          {
            value: "record-objection",
            text: `Record an objection to sharing, held by ${org}`,
            hint: {
              text: `Only ${org} will see the record; everyone else is refused except in an emergency.`,
            },
          },
        ]),
    ...(current.optOut
      ? [
          {
            value: "withdraw-opt-out",
            text: "Withdraw the national data opt-out",
            hint: { text: "The person is included in planning and research data again, pseudonymised." },
          },
        ]
      : [
          {
            value: "record-opt-out",
            text: "Record a national data opt-out",
            hint: { text: "Left out of planning and research data. Their care is not affected." },
          },
        ]),
  ].map((c) => ({ ...c, checked: form.change === c.value }));
  const others = active(view.objections).filter((o) => o.holdingOrgCode !== view.organisation?.code);
  return {
    title: `${errorList.length ? "Error: " : ""}${name} – Sharing choices`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: `/people/${view.person.personId}`, text: name },
    ],
    personName: name,
    nhsNumber,
    action: `/people/${view.person.personId}/sharing`,
    csrf,
    hasObjection: active(view.objections).length > 0,
    hasOptOut: current.optOut !== null,
    objectionRows: view.objections.map((o) => [
      { text: o.holdingOrgName ?? o.holdingOrgCode, header: "Held by" },
      { text: longDate(o.recordedOn), header: "Made" },
      { text: o.withdrawnOn ? longDate(o.withdrawnOn) : "Current", header: "Withdrawn" },
      { text: o.source, header: "How we were told" },
      { text: o.sourceSystem, header: "Recorded in" },
    ]),
    optOutRows: view.optOuts.map((o) => [
      { text: longDate(o.recordedOn), header: "Made" },
      { text: o.withdrawnOn ? longDate(o.withdrawnOn) : "Current", header: "Withdrawn" },
      { text: o.source, header: "How we were told" },
      { text: o.sourceSystem, header: "Recorded in" },
    ]),
    otherHolders: others.map((o) => o.holdingOrgName ?? o.holdingOrgCode),
    changeRefusal: view.changeRefusal,
    choices,
    objectionId: current.objection?.objectionId ?? "",
    optOutId: current.optOut?.optOutId ?? "",
    form: { day: form.day ?? "", month: form.month ?? "", year: form.year ?? "", source: form.source ?? "" },
    errors,
    errorList,
  };
}

const WHAT: Record<SharingChangeKind, string> = {
  "record-objection": "Record an objection to sharing",
  "withdraw-objection": "Withdraw the objection to sharing",
  "record-opt-out": "Record a national data opt-out",
  "withdraw-opt-out": "Withdraw the national data opt-out",
};

function effect(kind: SharingChangeKind, org: string): string {
  switch (kind) {
    case "record-objection":
      return `Only staff of ${org}, with their usual relationships, will see this person's record in OnePlace. Everyone else is refused, except in an emergency (break-glass, reviewed by the IG officer). The person is also left out of all planning and commissioning data.`;
    case "withdraw-objection":
      return "The teams caring for the person will see their record again, from the date of withdrawal.";
    case "record-opt-out":
      return "The person will be left out of every secondary use: commissioning data, counts and extracts. Their direct care is not affected.";
    case "withdraw-opt-out":
      return "The person will be included in planning and commissioning data again, pseudonymised, from the date of withdrawal.";
  }
}

export function sharingConfirmContext(
  view: SharingView,
  change: SharingChange,
  form: SharingForm,
  csrf: string,
) {
  const { name, nhsNumber } = personHeading(view);
  const org = orgLabel(view);
  const current = currentRecords(view);
  return {
    title: `Check before you record – ${name} – Sharing choices`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: `/people/${view.person.personId}`, text: name },
      { href: `/people/${view.person.personId}/sharing`, text: "Sharing choices" },
    ],
    action: `/people/${view.person.personId}/sharing`,
    back: `/people/${view.person.personId}/sharing`,
    csrf,
    rows: [
      { key: { text: "Person" }, value: { text: name } },
      { key: { text: "NHS Number" }, value: { text: nhsNumber } },
      { key: { text: "Change" }, value: { text: WHAT[change.kind] } },
      ...(change.kind === "record-objection" ? [{ key: { text: "Held by" }, value: { text: org } }] : []),
      {
        key: { text: change.kind.startsWith("withdraw") ? "Withdrawn on" : "Made on" },
        value: { text: longDate(change.on) },
      },
      ...(change.source ? [{ key: { text: "How we were told" }, value: { text: change.source } }] : []),
    ],
    effect: effect(change.kind, org),
    hidden: {
      change: change.kind,
      day: form.day ?? "",
      month: form.month ?? "",
      year: form.year ?? "",
      source: change.source ?? "",
      objectionId: current.objection?.objectionId ?? "",
      optOutId: current.optOut?.optOutId ?? "",
    },
  };
}

const DONE: Record<SharingChangeKind, string> = {
  "record-objection": "Objection to sharing recorded",
  "withdraw-objection": "Objection to sharing withdrawn",
  "record-opt-out": "National data opt-out recorded",
  "withdraw-opt-out": "National data opt-out withdrawn",
};

export function sharingDoneContext(view: SharingView, kind: SharingChangeKind) {
  const { name, nhsNumber } = personHeading(view);
  return {
    title: `${DONE[kind]} – ${name} – Sharing choices`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: `/people/${view.person.personId}`, text: name },
      { href: `/people/${view.person.personId}/sharing`, text: "Sharing choices" },
    ],
    panelTitle: DONE[kind],
    panelText: `${name}, NHS Number ${nhsNumber}`,
    effect: effect(kind, orgLabel(view)),
    sharingHref: `/people/${view.person.personId}/sharing`,
    personHref: `/people/${view.person.personId}`,
  };
}
