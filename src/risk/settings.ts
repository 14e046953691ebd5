// Configuration of stratification: risk tiers, High Intensity User thresholds, the national condition's
// high-risk group. Stored in risk_setting; the defaults below apply where nothing is stored.

import { invalid } from "../core/errors.ts";
import type { Queryable } from "../store/index.ts";
import { EFI_CATEGORIES, type EfiCategory } from "./efi-definition.ts";

export type RiskTier = "very-high" | "high" | "rising" | "low";
export const RISK_TIERS: readonly RiskTier[] = ["very-high", "high", "rising", "low"];

export interface TierSettings {
  /** Cumulative shares of the population from the top, in percent: very high is the top 0.5%. */
  veryHighTopPercent: number;
  highTopPercent: number;
  risingTopPercent: number;
}

export interface HiuSettings {
  /** Emergency admissions + A&E attendances + unplanned community and mental health contacts in 12 months. */
  minNonElectiveEvents: number;
  /** Also at least this many emergency admissions (0: no separate requirement). */
  minEmergencyAdmissions: number;
  /** eFI categories that count as frail for HIU; empty means frailty is not required. */
  frailty: EfiCategory[];
  /** care_contact.service values that are unplanned (crisis, rapid response) rather than planned care. */
  unplannedServices: string[];
}

export interface NationalConditionSettings {
  highRiskTiers: RiskTier[];
  adultAge: number;
}

export interface RiskSettings {
  tiers: TierSettings;
  hiu: HiuSettings;
  nationalCondition: NationalConditionSettings;
}

export const DEFAULT_SETTINGS: RiskSettings = {
  tiers: { veryHighTopPercent: 0.5, highTopPercent: 5, risingTopPercent: 20 },
  hiu: {
    minNonElectiveEvents: 4,
    minEmergencyAdmissions: 1,
    frailty: ["moderate", "severe"],
    unplannedServices: [
      "rapid-response",
      "urgent-community-response",
      "admission-avoidance",
      "crisis",
      "crisis-resolution",
      "crisis-team",
      "home-treatment",
      "home-treatment-team",
      "psychiatric-liaison",
      "mental-health-liaison",
      "out-of-hours",
    ],
  },
  nationalCondition: { highRiskTiers: ["very-high", "high"], adultAge: 18 },
};

const SETTING_KEYS = ["tiers", "hiu", "nationalCondition"] as const;

function fail(message: string): never {
  throw invalid("risk.settings", `Risk settings: ${message}`);
}

function isPercent(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x) && x > 0 && x <= 100;
}

/** Checks a complete settings object; throws a RangeError that says what is wrong. */
export function validateSettings(s: RiskSettings): RiskSettings {
  const t = s.tiers;
  if (!isPercent(t.veryHighTopPercent) || !isPercent(t.highTopPercent) || !isPercent(t.risingTopPercent)) {
    fail("tier shares are percentages above 0 and up to 100");
  }
  if (!(t.veryHighTopPercent < t.highTopPercent && t.highTopPercent < t.risingTopPercent)) {
    fail("tier shares must rise: veryHighTopPercent < highTopPercent < risingTopPercent");
  }
  const h = s.hiu;
  for (const [name, v] of [
    ["minNonElectiveEvents", h.minNonElectiveEvents],
    ["minEmergencyAdmissions", h.minEmergencyAdmissions],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 1000) fail(`hiu.${name} must be a whole number from 0 to 1000`);
  }
  if (!Array.isArray(h.frailty) || h.frailty.some((c) => !EFI_CATEGORIES.includes(c))) {
    fail(`hiu.frailty must list eFI categories (${EFI_CATEGORIES.join(", ")})`);
  }
  if (!Array.isArray(h.unplannedServices) || h.unplannedServices.some((x) => typeof x !== "string")) {
    fail("hiu.unplannedServices must be a list of service names");
  }
  const n = s.nationalCondition;
  if (
    !Array.isArray(n.highRiskTiers) ||
    n.highRiskTiers.length === 0 ||
    n.highRiskTiers.some((x) => !RISK_TIERS.includes(x))
  ) {
    fail(`nationalCondition.highRiskTiers must list tiers (${RISK_TIERS.join(", ")})`);
  }
  if (!Number.isInteger(n.adultAge) || n.adultAge < 0 || n.adultAge > 120)
    fail("nationalCondition.adultAge must be an age");
  return s;
}

/** Merges a partial override (e.g. from a JSON file) over settings; unknown keys are refused. */
export function mergeSettings(base: RiskSettings, override: unknown): RiskSettings {
  if (typeof override !== "object" || override === null || Array.isArray(override))
    fail("expected a JSON object");
  const merged = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const [key, value] of Object.entries(override)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key))
      fail(`unknown key "${key}" (one of ${SETTING_KEYS.join(", ")})`);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      fail(`"${key}" must be an object`);
    for (const [field, v] of Object.entries(value)) {
      if (!(field in merged[key])) fail(`unknown setting "${key}.${field}"`);
      merged[key][field] = v;
    }
  }
  return validateSettings(merged as unknown as RiskSettings);
}

export async function readSettings(db: Queryable): Promise<RiskSettings> {
  const rows = await db.query<{ key: string; value: unknown }>("SELECT key, value FROM risk_setting");
  let settings = DEFAULT_SETTINGS;
  for (const row of rows) settings = mergeSettings(settings, { [row.key]: row.value });
  return settings;
}

/** Stores settings (only the keys given); validated first. */
export async function writeSettings(db: Queryable, override: unknown): Promise<RiskSettings> {
  const merged = mergeSettings(await readSettings(db), override);
  for (const key of Object.keys(override as object)) {
    await db.query(
      `INSERT INTO risk_setting (key, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, JSON.stringify((merged as unknown as Record<string, unknown>)[key])],
    );
  }
  return merged;
}
