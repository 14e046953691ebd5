import { localCodeSystem } from "../../core/codes.ts";

// The code systems and extensions OnePlace defines itself (documented in docs/formats/fhir.md), and the UK Core
// ones it reads.

export const FHIR_SYSTEMS = {
  encounterKind: localCodeSystem("encounter-kind"),
  careService: localCodeSystem("care-service"),
  contactMode: localCodeSystem("contact-mode"),
  carePlanType: localCodeSystem("care-plan-type"),
  professionalRole: localCodeSystem("professional-role"),
  organisationKind: localCodeSystem("organisation-kind"),
  careHomeType: localCodeSystem("care-home-type"),
} as const;

export const FHIR_EXTENSIONS = {
  attendance: "urn:oneplace:fhir:attendance",
  firstAttendance: "urn:oneplace:fhir:first-attendance",
  reviewDue: "urn:oneplace:fhir:review-due",
  operationalPeriod: "urn:oneplace:fhir:operational-period",
  ethnicCategory: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
} as const;
