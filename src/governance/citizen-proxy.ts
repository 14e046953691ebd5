// Proxy access in the citizen's view: staff record that a citizen, identified by their own NHS Number (as NHS
// login asserts it at P9), may act for another person, on a basis (the person's consent, a lasting power of
// attorney for health and welfare, a court-appointed deputy, a parent of a child), from a start date to a
// review date. What each basis lets the proxy see and do is BASIS_ALLOWS. A grant is looked up again on every
// request (grantInForce), so a revocation, a passed review date or a child turning 16 ends it at once.
// No access decisions here: the staff reader decides and audits before recording or revoking, and the
// citizen's reader before reading.
import { randomUUID } from "node:crypto";
import { isIsoDate } from "../core/dates.ts";
import { conflict, invalid, notFound } from "../core/errors.ts";
import { nhsNumberProblem, normaliseNhsNumber } from "../core/nhs-number.ts";
import type { Queryable } from "../store/index.ts";

export const PROXY_BASES = ["consent", "lpa-health-welfare", "court-deputy", "parent"] as const;
export type ProxyBasis = (typeof PROXY_BASES)[number];

/** What a proxy may do in the citizen's view. */
export type ProxyScope = "plan" | "referrals" | "care-team" | "add-to-plan" | "record-access" | "sharing";

/**
 * Consent and a parent's responsibility cover the care plan, referrals and care team and adding to the plan;
 * an attorney or a deputy for health and welfare decides for the person, so they also see who has looked at
 * the record and make the sharing choice.
 */
export const BASIS_ALLOWS: Record<ProxyBasis, readonly ProxyScope[]> = {
  consent: ["plan", "referrals", "care-team", "add-to-plan"],
  "lpa-health-welfare": ["plan", "referrals", "care-team", "add-to-plan", "record-access", "sharing"],
  "court-deputy": ["plan", "referrals", "care-team", "add-to-plan", "record-access", "sharing"],
  parent: ["plan", "referrals", "care-team", "add-to-plan"],
};

export const BASIS_WORDS: Record<ProxyBasis, string> = {
  consent: "The person's consent",
  "lpa-health-welfare": "Lasting power of attorney for health and welfare",
  "court-deputy": "Court-appointed deputy",
  parent: "Parent of a child",
};

/** A parent's proxy access ends when the child turns 16; from then the young person decides. */
export const CHILD_UNTIL_AGE = 16;
/** The longest a grant may run before someone reviews it. */
export const PROXY_MAX_YEARS = 3;

export interface ProxyGrant {
  proxyId: string;
  personId: string;
  proxyNhsNumber: string;
  /** The proxy's date of birth: with the NHS Number, what their NHS login must assert. */
  proxyBirthDate: string | null;
  proxyName: string;
  relationship: string;
  basis: ProxyBasis;
  startsOn: string;
  reviewOn: string;
  recordedBy: string | null;
  recordedAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

export interface ProxyInput {
  proxyNhsNumber: string;
  proxyBirthDate: string;
  proxyName: string;
  relationship: string;
  basis: string;
  startsOn: string;
  reviewOn: string;
}

const SELECT = `SELECT p.proxy_id, p.person_id, p.proxy_nhs_number, p.proxy_birth_date::text AS proxy_birth_date, p.proxy_name, p.relationship, p.basis,
    p.starts_on::text AS starts_on, p.review_on::text AS review_on, u.display_name AS recorded_by, p.recorded_at,
    p.revoked_at, p.revoked_reason
  FROM citizen_proxy p LEFT JOIN app_user u ON u.user_id = p.recorded_by_user_id`;

type Row = {
  proxy_id: string;
  person_id: string;
  proxy_nhs_number: string;
  proxy_birth_date: string | null;
  proxy_name: string;
  relationship: string;
  basis: ProxyBasis;
  starts_on: string;
  review_on: string;
  recorded_by: string | null;
  recorded_at: Date | string;
  revoked_at: Date | string | null;
  revoked_reason: string | null;
};

const toGrant = (r: Row): ProxyGrant => ({
  proxyId: r.proxy_id,
  personId: r.person_id,
  proxyNhsNumber: r.proxy_nhs_number,
  proxyBirthDate: r.proxy_birth_date,
  proxyName: r.proxy_name,
  relationship: r.relationship,
  basis: r.basis,
  startsOn: r.starts_on,
  reviewOn: r.review_on,
  recordedBy: r.recorded_by,
  recordedAt: new Date(r.recorded_at).toISOString(),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  revokedReason: r.revoked_reason,
});

const addYears = (iso: string, years: number) => `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;

/** The grant as staff typed it, checked; refused with what to do. */
export function checkProxy(
  input: ProxyInput,
  personNhsNumber: string | null,
): ProxyInput & { basis: ProxyBasis } {
  const nhs = normaliseNhsNumber(input.proxyNhsNumber ?? "");
  if (!nhs) {
    const problem = nhsNumberProblem(input.proxyNhsNumber ?? "");
    throw invalid(
      "governance.proxy-nhs-number",
      `The carer's NHS Number is not valid: ${problem?.message ?? "check it"}.`,
      {
        hint: "Enter the 10-digit NHS Number of the person who will act for them, as on their NHS login.",
      },
    );
  }
  if (personNhsNumber !== null && nhs === personNhsNumber) {
    throw invalid("governance.proxy-self", "That is the person's own NHS Number.", {
      hint: "Enter the NHS Number of the carer, attorney, deputy or parent who will act for them.",
    });
  }
  if (
    !isIsoDate(input.proxyBirthDate ?? "") ||
    input.proxyBirthDate > new Date().toISOString().slice(0, 10)
  ) {
    throw invalid("governance.proxy-birth-date", "Enter the carer's date of birth.", {
      hint: "Their NHS login must give the same NHS Number and date of birth before they can see the record.",
    });
  }
  const name = (input.proxyName ?? "").trim();
  const relationship = (input.relationship ?? "").trim();
  if (name === "" || name.length > 200) {
    throw invalid("governance.proxy-name", "Enter the carer's name (up to 200 characters).", {
      hint: "The person sees this name when the carer looks at their record.",
    });
  }
  if (relationship === "" || relationship.length > 100) {
    throw invalid(
      "governance.proxy-relationship",
      "Enter how they are related to the person (up to 100 characters).",
      {
        hint: "For example: daughter, husband, friend, solicitor.",
      },
    );
  }
  if (!(PROXY_BASES as readonly string[]).includes(input.basis)) {
    throw invalid("governance.proxy-basis", "Choose the basis for acting for the person.", {
      hint: "Their consent, a lasting power of attorney for health and welfare, a court-appointed deputy, or a parent of a child.",
    });
  }
  if (!isIsoDate(input.startsOn) || !isIsoDate(input.reviewOn)) {
    throw invalid("governance.proxy-dates", "The start and review dates must be real dates.", {
      hint: "Enter them like 27 3 2027.",
    });
  }
  if (input.reviewOn <= input.startsOn) {
    throw invalid("governance.proxy-review-before-start", "The review date must be after the start date.");
  }
  if (input.reviewOn > addYears(input.startsOn, PROXY_MAX_YEARS)) {
    throw invalid(
      "governance.proxy-review-too-late",
      `Review proxy access within ${PROXY_MAX_YEARS} years of its start.`,
      {
        hint: "Choose an earlier review date; it can be renewed then.",
      },
    );
  }
  return {
    proxyNhsNumber: nhs,
    proxyBirthDate: input.proxyBirthDate,
    proxyName: name,
    relationship,
    basis: input.basis as ProxyBasis,
    startsOn: input.startsOn,
    reviewOn: input.reviewOn,
  };
}

/** Records a grant; the same carer already holding one in force for the person is a conflict. */
export async function recordProxy(
  db: Queryable,
  personId: string,
  input: ProxyInput,
  by: { userId: string; teamId: string; at: Date; today: string },
): Promise<ProxyGrant> {
  const [person] = await db.query<{ nhs_number: string | null; birth_date: string | null }>(
    "SELECT nhs_number, birth_date::text AS birth_date FROM person WHERE person_id = $1",
    [personId],
  );
  if (!person) throw notFound("governance.no-such-person", "There is no such person.");
  const checked = checkProxy(input, person.nhs_number);
  if (
    checked.basis === "parent" &&
    (person.birth_date === null || addYears(person.birth_date, CHILD_UNTIL_AGE) <= checked.startsOn)
  ) {
    throw invalid(
      "governance.proxy-not-a-child",
      `A parent's proxy access is for a child under ${CHILD_UNTIL_AGE}.`,
      {
        hint: "For a young person of 16 or more, record their consent instead.",
      },
    );
  }
  const existing = await db.query(
    `SELECT 1 FROM citizen_proxy WHERE person_id = $1 AND proxy_nhs_number = $2 AND revoked_at IS NULL AND review_on >= $3`,
    [personId, checked.proxyNhsNumber, by.today],
  );
  if (existing.length > 0) {
    throw conflict("governance.proxy-exists", "This carer already has proxy access for the person.", {
      hint: "Revoke it first if it should change.",
    });
  }
  const id = randomUUID();
  await db.query(
    `INSERT INTO citizen_proxy (person_id, proxy_id, proxy_nhs_number, proxy_name, relationship, basis, starts_on,
       review_on, recorded_by_user_id, recorded_by_team_id, recorded_at, proxy_birth_date)
     VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::date, $9, $10, $11, $12::date)`,
    [
      personId,
      id,
      checked.proxyNhsNumber,
      checked.proxyName,
      checked.relationship,
      checked.basis,
      checked.startsOn,
      checked.reviewOn,
      by.userId,
      by.teamId,
      by.at,
      checked.proxyBirthDate,
    ],
  );
  const [grant] = await db.query<Row>(`${SELECT} WHERE p.person_id = $1 AND p.proxy_id = $2`, [personId, id]);
  return toGrant(grant);
}

export async function revokeProxy(
  db: Queryable,
  personId: string,
  proxyId: string,
  reason: string,
  by: { userId: string; at: Date },
): Promise<void> {
  const why = reason.trim();
  if (why === "" || why.length > 1_000) {
    throw invalid(
      "governance.proxy-revoke-reason",
      "Say why proxy access is being revoked (up to 1,000 characters).",
    );
  }
  const done = await db.query(
    `UPDATE citizen_proxy SET revoked_at = $3, revoked_by_user_id = $4, revoked_reason = $5
      WHERE person_id = $1 AND proxy_id = $2 AND revoked_at IS NULL RETURNING proxy_id`,
    [personId, proxyId, by.at, by.userId, why],
  );
  if (done.length === 0) {
    throw notFound(
      "governance.no-such-proxy",
      "There is no proxy access in force with that id for this person.",
      {
        hint: "Open the person's care plan tab again: it may have been revoked already.",
      },
    );
  }
}

/** Every grant for the person, newest first, revoked ones too (staff see the history). */
export async function proxiesOf(db: Queryable, personId: string): Promise<ProxyGrant[]> {
  const rows = await db.query<Row>(`${SELECT} WHERE p.person_id = $1 ORDER BY p.recorded_at DESC`, [
    personId,
  ]);
  return rows.map(toGrant);
}

/** Who a signed-in citizen is, as their identity provider asserted it: NHS Number and date of birth. */
export interface ProxyIdentity {
  nhsNumber: string | null;
  birthDate: string | null;
}

/**
 * The grants in force today for a signed-in citizen: their NHS Number and date of birth both those the grant
 * names; not revoked, started, not past review, the person not merged away, and for a parent the child still
 * under 16. Without both claims there are none.
 */
export async function grantsInForceFor(
  db: Queryable,
  proxy: ProxyIdentity,
  today: string,
): Promise<ProxyGrant[]> {
  if (!proxy.nhsNumber || !proxy.birthDate) return [];
  const rows = await db.query<Row>(
    `${SELECT} JOIN person x ON x.person_id = p.person_id
      WHERE p.proxy_nhs_number = $1 AND p.proxy_birth_date = $3::date
        AND p.revoked_at IS NULL AND p.starts_on <= $2::date AND p.review_on >= $2::date
        AND (p.basis <> 'parent' OR x.birth_date > ($2::date - interval '${CHILD_UNTIL_AGE} years'))
      ORDER BY p.proxy_name, p.proxy_id`,
    [proxy.nhsNumber, today, proxy.birthDate],
  );
  return rows.map(toGrant);
}

/** One grant in force for this citizen, or null (revoked, expired, another carer's, or no such grant). */
export async function grantInForce(
  db: Queryable,
  proxy: ProxyIdentity,
  proxyId: string,
  today: string,
): Promise<ProxyGrant | null> {
  return (await grantsInForceFor(db, proxy, today)).find((g) => g.proxyId === proxyId) ?? null;
}

/** The names a person's record-access page gives their proxies' visits: "Your carer Jo Bloggs (daughter)". */
export async function proxyNames(db: Queryable, personIds: string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ proxy_id: string; proxy_name: string; relationship: string }>(
    "SELECT proxy_id, proxy_name, relationship FROM citizen_proxy WHERE person_id = ANY($1::uuid[])",
    [personIds],
  );
  return new Map(rows.map((r) => [r.proxy_id, `${r.proxy_name} (${r.relationship})`]));
}
