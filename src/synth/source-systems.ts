import { localCodeSystem } from "../core/codes.ts";

/**
 * The systems each generated row says it came from (its provenance). One place, so that ingest, the MPI and
 * the tests agree on the names. "synth" marks reference data and the golden person rows the generator writes.
 */
export const SOURCE_SYSTEM = {
  gp: "gp",
  acute: "acute-pas",
  community: "community-ehr",
  mentalHealth: "mental-health-ehr",
  socialCare: "social-care",
  deathRegistration: "death-registration",
  reference: "synth",
} as const;

export type SourceSystem = (typeof SOURCE_SYSTEM)[keyof typeof SOURCE_SYSTEM];

/** Medicines are coded in a local code system with readable codes (e.g. "amlodipine-5mg-tablets"), not dm+d. */
export const MEDICINE_CODE_SYSTEM = localCodeSystem("medicine");

/** The acute trust's hospital numbers (its PAS medical record numbers). */
export function hospitalNumberSystem(acuteTrustCode: string): string {
  return `urn:oneplace:id:${acuteTrustCode}:mrn`;
}

/** The council's social care client ids. */
export function clientIdSystem(councilCode: string): string {
  return `urn:oneplace:id:${councilCode}:client-id`;
}
