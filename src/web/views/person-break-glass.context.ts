// The refusal page and the break-glass form: why the user cannot see the person (the decision's reason, in
// words, never the person's name) and, where the role may break glass, the form that opens the record.
import type { Identity } from "../../governance/index.ts";

export interface BreakGlassPage {
  personId: string;
  /** The decision's reason when the user was refused; null when they came to break glass directly. */
  refusal: string | null;
  identity: Pick<Identity, "roleAssignment">;
  csrf: string | null;
  error?: string | null;
  reasonValue?: string;
}

const sentence = (s: string) => (s ? `${s[0].toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? "" : "."}` : s);

export function breakGlassContext(p: BreakGlassPage) {
  const { role, team } = p.identity.roleAssignment;
  const refused = p.refusal !== null;
  return {
    title: p.error ? "Error: Break glass" : refused ? "You cannot see this record" : "Break glass",
    heading: refused ? "You cannot see this person's record" : "Break glass to see this person's record",
    reason: refused ? sentence(p.refusal as string) : null,
    explanation: refused
      ? [
          `You are acting as ${role.name} in ${team.name}. A record opens to your role when the person is registered with your practice, on your caseload, in your team's care, referred to your team or (for hospital teams) in your hospital, as your role allows.`,
        ]
      : [],
    mayBreakGlass: role.mayBreakGlass,
    roleText: `The ${role.name} role may not break glass. Ask a colleague with a relationship to this person, or record the referral or caseload that gives you one.`,
    action: `/people/${p.personId}/break-glass`,
    csrf: p.csrf,
    error: p.error ?? null,
    reasonValue: p.reasonValue ?? "",
  };
}
