// RiskAssessment from the latest risk run (risk_person): the electronic Frailty Index, with the deficits it
// counted as its basis (each a reference to the Condition or Observation that raised it), and the risk of an
// emergency admission in the next 12 months from the trained model, with its tier and percentile.
import { isUuid } from "../../core/ids.ts";
import { LOCAL, LOCAL_EXTENSIONS } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import { coding, compact, dateParam, meta, patientParam, tokenParam } from "./common.ts";

const EFI_DEFICITS = 36;

/** `person`: each row's (rp.person_id), or one person's id, which every branch and subquery then names. */
const riskSql = (person: string, onePerson = "") => `
  SELECT 'efi-' || rp.person_id AS id, rp.person_id, rp.scored_at AS at, rp.scored_at AS last_updated, 'efi' AS code,
         'final' AS status, rp.efi_category AS category, rp.deficit_count, NULL::double precision AS probability,
         NULL::real AS percentile, rp.model_id,
         (SELECT json_agg(json_build_object('name', d.name, 'entry', e.entry_id, 'kind', g.entry_kind) ORDER BY d.ordinal)
            FROM efi_deficit e JOIN efi_deficit_def d ON d.deficit_id = e.deficit_id
            LEFT JOIN gp_entry g ON g.person_id = e.person_id AND g.entry_id = e.entry_id
           WHERE e.person_id = ${person}) AS deficits
    FROM risk_person rp${onePerson ? ` WHERE ${onePerson}` : ""}
  UNION ALL
  SELECT 'admission-' || rp.person_id, rp.person_id, rp.scored_at, rp.scored_at, 'emergency-admission-12m', 'final',
         rp.risk_tier, NULL::smallint, rp.probability, rp.risk_percentile, rp.model_id, NULL::json
    FROM risk_person rp WHERE rp.probability IS NOT NULL${onePerson ? ` AND ${onePerson}` : ""}`;

export const riskSource = riskSql("rp.person_id");

interface Deficit {
  name: string;
  entry: string;
  kind: "condition" | "observation" | "procedure" | null;
}

function efi(row: SourceRow) {
  const deficits = (row.deficits as Deficit[] | null) ?? [];
  const count = Number(row.deficit_count ?? 0);
  const score = Math.round((count / EFI_DEFICITS) * 1000) / 1000;
  return {
    code: { coding: [coding(LOCAL.riskOutcome, "efi", "Electronic Frailty Index")] },
    prediction: [
      compact({
        outcome: { coding: [coding(LOCAL.riskOutcome, "frailty", "Frailty")] },
        qualitativeRisk: row.category
          ? { coding: [coding(LOCAL.efiCategory, row.category as string)] }
          : undefined,
        rationale: `eFI ${score}: ${count} of ${EFI_DEFICITS} deficits`,
      }),
    ],
    basis: deficits
      .filter((d) => d.kind === "condition" || d.kind === "observation")
      .map((d) => ({
        reference: `${d.kind === "condition" ? "Condition" : "Observation"}/${d.entry}`,
        display: d.name,
      })),
    note: deficits.length > 0 ? [{ text: `Deficits: ${deficits.map((d) => d.name).join("; ")}` }] : undefined,
  };
}

function admission(row: SourceRow) {
  return {
    code: { coding: [coding(LOCAL.riskOutcome, "emergency-admission-12m", "Emergency admission risk")] },
    method: row.model_id ? { text: `OnePlace admission risk model ${row.model_id}` } : undefined,
    prediction: [
      compact({
        outcome: {
          coding: [
            coding(LOCAL.riskOutcome, "emergency-admission-12m", "Emergency admission within 12 months"),
          ],
        },
        probabilityDecimal: Number(row.probability),
        qualitativeRisk: row.category
          ? { coding: [coding(LOCAL.riskTier, row.category as string)] }
          : undefined,
        whenRange: { high: { value: 12, unit: "months", system: "http://unitsofmeasure.org", code: "mo" } },
      }),
    ],
    extension:
      row.percentile === null || row.percentile === undefined
        ? undefined
        : [{ url: LOCAL_EXTENSIONS.riskPercentile, valueDecimal: Number(row.percentile) }],
  };
}

export const RISK_ASSESSMENT: ResourceType = {
  type: "RiskAssessment",
  personal: true,
  source: riskSource,
  personSource: (person) => riskSql(person, `rp.person_id = ${person}`),
  idSql(id, p) {
    const m = /^(efi|admission)-(.{36})$/.exec(id);
    if (!m || !isUuid(m[2])) return null;
    const code = m[1] === "efi" ? "efi" : "emergency-admission-12m";
    return `r.person_id = ${p.add(m[2].toLowerCase())}::uuid AND r.code = ${p.add(code)}`;
  },
  order: "r.at DESC, r.id",
  profile: "http://hl7.org/fhir/StructureDefinition/RiskAssessment",
  params: {
    patient: patientParam(),
    subject: patientParam(),
    code: tokenParam(`'${LOCAL.riskOutcome}'`, "r.code", "efi or emergency-admission-12m"),
    date: dateParam("r.at", "when the person was scored"),
    status: tokenParam(null, "r.status", "final"),
  },
  toFhir: (row) =>
    compact({
      resourceType: "RiskAssessment",
      id: row.id,
      meta: meta(row),
      status: "final",
      subject: { reference: `Patient/${row.person_id}` },
      occurrenceDateTime: row.at instanceof Date ? row.at.toISOString() : undefined,
      ...compact(row.code === "efi" ? efi(row) : admission(row)),
    }) as FhirResource,
};
