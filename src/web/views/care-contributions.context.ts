// What the person added from the citizen's view, as the Care plan tab shows it to staff: waiting ones with
// "Take into the next plan version" and "Close with a reason"; decided ones with what was done.
import type { PlanVersion } from "../../care/index.ts";
import {
  BASIS_WORDS,
  type Contribution,
  KIND_WORDS,
  PROXY_BASES,
  type ProxyGrant,
} from "../../governance/index.ts";

const DAY = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  day: "numeric",
  month: "long",
  year: "numeric",
});

export function staffContributionsContext(
  personId: string,
  contributions: Contribution[],
  latest: PlanVersion | null,
) {
  const item = (c: Contribution) => ({
    contributionId: c.contributionId,
    kind: KIND_WORDS[c.kind],
    body: c.body,
    addedBy: `Added by ${c.byProxy ? "the person's carer, acting for them," : "the person"} on ${DAY.format(new Date(c.submittedAt))}`,
    action: `/people/${personId}/care-plan/contributions/${c.contributionId}`,
    outcome:
      c.status === "taken"
        ? `Taken into version ${c.planVersion} by ${c.decidedBy ?? "a former user"} on ${DAY.format(new Date(c.decidedAt ?? c.submittedAt))}`
        : c.status === "closed"
          ? `Closed by ${c.decidedBy ?? "a former user"} on ${DAY.format(new Date(c.decidedAt ?? c.submittedAt))}: ${c.closedReason ?? ""}`
          : null,
  });
  return {
    waiting: contributions.filter((c) => c.status === "waiting").map(item),
    decided: contributions.filter((c) => c.status !== "waiting").map(item),
    planId: latest && latest.status !== "ended" ? latest.planId : null,
    baseVersion: latest?.version ?? null,
  };
}

/** Proxy access for the person: grants in force with a revoke form, ended ones, and the form to record one. */
export function staffProxiesContext(personId: string, proxies: ProxyGrant[], today: string) {
  const inForce = (g: ProxyGrant) => g.revokedAt === null && g.startsOn <= today && g.reviewOn >= today;
  return {
    action: `/people/${personId}/care-plan/proxies`,
    current: proxies.filter(inForce).map((g) => ({
      proxyId: g.proxyId,
      who: `${g.proxyName} (${g.relationship})`,
      basis: BASIS_WORDS[g.basis],
      dates: `From ${g.startsOn}, review by ${g.reviewOn}`,
      recordedBy: g.recordedBy ?? "a former user",
      revokeAction: `/people/${personId}/care-plan/proxies/${g.proxyId}/revoke`,
    })),
    ended: proxies
      .filter((g) => !inForce(g))
      .map((g) => ({
        who: `${g.proxyName} (${g.relationship})`,
        basis: BASIS_WORDS[g.basis],
        why: g.revokedAt
          ? `Revoked ${DAY.format(new Date(g.revokedAt))}: ${g.revokedReason ?? ""}`
          : g.startsOn > today
            ? `Starts ${g.startsOn}`
            : `Ended at its review date, ${g.reviewOn}`,
      })),
    bases: [
      { value: "", text: "Choose the basis" },
      ...PROXY_BASES.map((b) => ({ value: b, text: BASIS_WORDS[b] })),
    ],
  };
}
