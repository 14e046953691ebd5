// The directory of services: who each is for (age, eFI category, risk tier, locality), its hours, response
// time and how to refer, and the team that receives its referrals. Reference data, no personal data. Seeded
// with the place's BCF schemes (migrations/0951_directory_seed.sql); changed by importing a CSV, which
// accepts the rows it can and reports each row it cannot, with the reason; importing the same file twice
// changes nothing.
import { csvRecords } from "../core/csv.ts";
import { invalid } from "../core/errors.ts";
import type { Queryable } from "../store/index.ts";

export const SERVICE_KINDS = [
  "reablement",
  "rapid-response",
  "intermediate-care",
  "telecare",
  "local-area-coordination",
  "voluntary",
  "social-care",
  "community-health",
  "other",
] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

const EFI = ["fit", "mild", "moderate", "severe"];
const TIERS = ["very-high", "high", "rising", "low"];

export interface CareService {
  serviceCode: string;
  name: string;
  provider: string;
  description: string;
  teamCode: string;
  /** The receiving team in OnePlace; null when it has no account yet (refer as howToRefer says). */
  team: { teamId: string; name: string; orgCode: string | null } | null;
  minAge: number | null;
  maxAge: number | null;
  efiCategories: string[];
  riskTiers: string[];
  localities: string[];
  hours: string;
  responseTime: string;
  responseDays: number | null;
  howToRefer: string;
  kind: ServiceKind;
  bcfScheme: string | null;
  active: boolean;
  source: string;
}

type ServiceRow = {
  service_code: string;
  name: string;
  provider: string;
  description: string;
  team_code: string;
  team_id: string | null;
  team_name: string | null;
  team_org: string | null;
  min_age: number | null;
  max_age: number | null;
  efi_categories: string[];
  risk_tiers: string[];
  localities: string[];
  hours: string;
  response_time: string;
  response_days: number | null;
  how_to_refer: string;
  kind: ServiceKind;
  bcf_scheme: string | null;
  active: boolean;
  source: string;
};

function toService(r: ServiceRow): CareService {
  return {
    serviceCode: r.service_code,
    name: r.name,
    provider: r.provider,
    description: r.description,
    teamCode: r.team_code,
    team: r.team_id ? { teamId: r.team_id, name: r.team_name ?? "", orgCode: r.team_org } : null,
    minAge: r.min_age,
    maxAge: r.max_age,
    efiCategories: r.efi_categories,
    riskTiers: r.risk_tiers,
    localities: r.localities,
    hours: r.hours,
    responseTime: r.response_time,
    responseDays: r.response_days,
    howToRefer: r.how_to_refer,
    kind: r.kind,
    bcfScheme: r.bcf_scheme,
    active: r.active,
    source: r.source,
  };
}

const SELECT = `SELECT s.*, t.team_id, t.name AS team_name, t.org_code AS team_org
  FROM care_service s LEFT JOIN team t ON t.team_code = s.team_code`;

/** The directory, by name; inactive services only when asked. */
export async function listServices(
  q: Queryable,
  options: { includeInactive?: boolean } = {},
): Promise<CareService[]> {
  const rows = await q.query<ServiceRow>(
    `${SELECT} ${options.includeInactive ? "" : "WHERE s.active"} ORDER BY s.name`,
  );
  return rows.map(toService);
}

export async function serviceByCode(q: Queryable, code: string): Promise<CareService | null> {
  const rows = await q.query<ServiceRow>(`${SELECT} WHERE s.service_code = $1`, [code]);
  return rows[0] ? toService(rows[0]) : null;
}

/** What the directory knows of a person to say whether a service is for them. */
export interface PersonCriteria {
  age: number | null;
  efiCategory: string | null;
  riskTier: string | null;
  localityCode: string | null;
}

/** Why the service's access criteria do not fit the person, in words; empty when they fit (or are unknown). */
export function criteriaNotMet(service: CareService, person: PersonCriteria): string[] {
  const why: string[] = [];
  if (person.age !== null && service.minAge !== null && person.age < service.minAge) {
    why.push(`for people aged ${service.minAge} and over`);
  }
  if (person.age !== null && service.maxAge !== null && person.age > service.maxAge) {
    why.push(`for people aged ${service.maxAge} and under`);
  }
  if (
    service.efiCategories.length > 0 &&
    person.efiCategory &&
    !service.efiCategories.includes(person.efiCategory)
  ) {
    why.push(`for people with ${service.efiCategories.join(" or ")} frailty (eFI)`);
  }
  if (service.riskTiers.length > 0 && person.riskTier && !service.riskTiers.includes(person.riskTier)) {
    why.push(`for people at ${service.riskTiers.join(" or ")} risk`);
  }
  if (
    service.localities.length > 0 &&
    person.localityCode &&
    !service.localities.includes(person.localityCode)
  ) {
    why.push(`for people in ${service.localities.join(", ")}`);
  }
  return why;
}

/** The columns a directory CSV has (a header row; names in any case). */
export const SERVICE_CSV_COLUMNS = [
  "service_code",
  "name",
  "provider",
  "description",
  "team_code",
  "min_age",
  "max_age",
  "efi_categories",
  "risk_tiers",
  "localities",
  "hours",
  "response_time",
  "response_days",
  "how_to_refer",
  "kind",
  "bcf_scheme",
  "active",
] as const;

const REQUIRED = ["service_code", "name", "provider", "team_code"] as const;

export interface ServiceImport {
  /** Rows added or changed. */
  added: number;
  updated: number;
  /** Rows identical to what the directory holds. */
  unchanged: number;
  /** Rows refused, by line number (the header is line 1), with the reason. */
  refused: { line: number; reason: string }[];
}

type Parsed = Omit<CareService, "team" | "source">;

const list = (v: string | null) =>
  (v ?? "")
    .split(/[;|]/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

function integer(v: string | null, column: string): number | null {
  const t = (v ?? "").trim();
  if (t === "") return null;
  if (!/^\d{1,3}$/.test(t)) throw new Error(`${column} must be a whole number, not "${t.slice(0, 20)}"`);
  return Number(t);
}

/** One CSV row as a service, or the reason it cannot be one. */
export function parseServiceRow(r: Record<string, string | null>): Parsed {
  for (const c of REQUIRED) if (!(r[c] ?? "").trim()) throw new Error(`${c} is missing`);
  const code = (r.service_code ?? "").trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(code)) {
    throw new Error("service_code must be lower-case letters, digits and hyphens (up to 64)");
  }
  const teamCode = (r.team_code ?? "").trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(teamCode)) throw new Error("team_code is not a team code");
  const efi = list(r.efi_categories);
  const badEfi = efi.find((e) => !EFI.includes(e));
  if (badEfi) throw new Error(`efi_categories: "${badEfi}" is not one of ${EFI.join(", ")}`);
  const tiers = list(r.risk_tiers);
  const badTier = tiers.find((t) => !TIERS.includes(t));
  if (badTier) throw new Error(`risk_tiers: "${badTier}" is not one of ${TIERS.join(", ")}`);
  const kind = ((r.kind ?? "").trim() || "other") as ServiceKind;
  if (!SERVICE_KINDS.includes(kind)) throw new Error(`kind must be one of ${SERVICE_KINDS.join(", ")}`);
  const minAge = integer(r.min_age, "min_age");
  const maxAge = integer(r.max_age, "max_age");
  if (minAge !== null && maxAge !== null && minAge > maxAge) throw new Error("min_age is above max_age");
  const active = (r.active ?? "").trim().toLowerCase();
  if (active && !["yes", "no", "true", "false", "y", "n"].includes(active)) {
    throw new Error("active must be yes or no");
  }
  const textOf = (c: string, max = 2_000) => {
    const t = (r[c] ?? "").trim();
    if (t.length > max) throw new Error(`${c} is longer than ${max} characters`);
    return t;
  };
  return {
    serviceCode: code,
    name: textOf("name", 200),
    provider: textOf("provider", 200),
    description: textOf("description"),
    teamCode,
    minAge,
    maxAge,
    efiCategories: efi,
    riskTiers: tiers,
    localities: list(r.localities).map((l) => l.toUpperCase()),
    hours: textOf("hours", 200),
    responseTime: textOf("response_time", 200),
    responseDays: integer(r.response_days, "response_days"),
    howToRefer: textOf("how_to_refer"),
    kind,
    bcfScheme: textOf("bcf_scheme", 200) || null,
    active: !["no", "false", "n"].includes(active),
  };
}

/**
 * Imports a directory CSV in one transaction: each good row added or updated on its service_code, each bad row
 * refused with its line and reason (the rest still load). A file without the required columns is refused whole.
 */
export async function importServices(q: Queryable, csvText: string, source: string): Promise<ServiceImport> {
  const records = csvRecords(csvText);
  const header = Object.keys(records[0] ?? {});
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (records.length === 0 || missing.length > 0) {
    throw invalid(
      "care.services-csv-columns",
      records.length === 0
        ? "The file has no services in it."
        : `The file has no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""}.`,
      { hint: `A directory CSV has a header row with: ${SERVICE_CSV_COLUMNS.join(", ")}.` },
    );
  }
  const result: ServiceImport = { added: 0, updated: 0, unchanged: 0, refused: [] };
  const seen = new Set<string>();
  for (const [i, record] of records.entries()) {
    const line = i + 2;
    let s: Parsed;
    try {
      s = parseServiceRow(record);
    } catch (error) {
      result.refused.push({ line, reason: (error as Error).message });
      continue;
    }
    if (seen.has(s.serviceCode)) {
      result.refused.push({ line, reason: `service_code ${s.serviceCode} is on an earlier line too` });
      continue;
    }
    seen.add(s.serviceCode);
    const [row] = await q.query<{ inserted: boolean; changed: boolean }>(
      `WITH before AS (SELECT to_jsonb(s) - 'source' - 'updated_at' AS j FROM care_service s WHERE service_code = $1),
       up AS (
         INSERT INTO care_service AS c (service_code, name, provider, description, team_code, min_age, max_age,
           efi_categories, risk_tiers, localities, hours, response_time, response_days, how_to_refer, kind,
           bcf_scheme, active, source, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now())
         ON CONFLICT (service_code) DO UPDATE SET name = EXCLUDED.name, provider = EXCLUDED.provider,
           description = EXCLUDED.description, team_code = EXCLUDED.team_code, min_age = EXCLUDED.min_age,
           max_age = EXCLUDED.max_age, efi_categories = EXCLUDED.efi_categories, risk_tiers = EXCLUDED.risk_tiers,
           localities = EXCLUDED.localities, hours = EXCLUDED.hours, response_time = EXCLUDED.response_time,
           response_days = EXCLUDED.response_days, how_to_refer = EXCLUDED.how_to_refer, kind = EXCLUDED.kind,
           bcf_scheme = EXCLUDED.bcf_scheme, active = EXCLUDED.active, source = EXCLUDED.source,
           updated_at = EXCLUDED.updated_at
         -- The columns compared one by one: Citus allows only IMMUTABLE functions here (to_jsonb is not).
         WHERE (c.name, c.provider, c.description, c.team_code, c.min_age, c.max_age, c.efi_categories, c.risk_tiers,
                c.localities, c.hours, c.response_time, c.response_days, c.how_to_refer, c.kind, c.bcf_scheme, c.active)
               IS DISTINCT FROM
               (EXCLUDED.name, EXCLUDED.provider, EXCLUDED.description, EXCLUDED.team_code, EXCLUDED.min_age,
                EXCLUDED.max_age, EXCLUDED.efi_categories, EXCLUDED.risk_tiers, EXCLUDED.localities, EXCLUDED.hours,
                EXCLUDED.response_time, EXCLUDED.response_days, EXCLUDED.how_to_refer, EXCLUDED.kind,
                EXCLUDED.bcf_scheme, EXCLUDED.active)
         RETURNING 1
       )
       SELECT NOT EXISTS (SELECT 1 FROM before) AS inserted, EXISTS (SELECT 1 FROM up) AS changed`,
      [
        s.serviceCode,
        s.name,
        s.provider,
        s.description,
        s.teamCode,
        s.minAge,
        s.maxAge,
        s.efiCategories,
        s.riskTiers,
        s.localities,
        s.hours,
        s.responseTime,
        s.responseDays,
        s.howToRefer,
        s.kind,
        s.bcfScheme,
        s.active,
        source,
      ],
    );
    if (row.inserted) result.added++;
    else if (row.changed) result.updated++;
    else result.unchanged++;
  }
  return result;
}
