// The identifier and code systems the FHIR API answers with: UK Core where it has one, the NHS Data
// Dictionary codes through UK Core's England code systems, SNOMED CT, dm+d, and OnePlace's own local code
// systems (the same urn:oneplace:local:... names the FHIR ingest reads, so what is served can be loaded back).
export {
  DMD_SYSTEM,
  ICD10_SYSTEM,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANISATION_SYSTEM,
  SNOMED_CT_SYSTEM,
} from "../core/codes.ts";

export const UK_CORE = {
  admissionMethodExtension: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
  admissionMethod: "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland",
  dischargeDestination: "https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland",
  dischargeMethodExtension: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DischargeMethod",
  dischargeMethod: "https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeMethodEngland",
  ethnicCategoryExtension: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
  ethnicCategory: "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
  treatmentFunction: "https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function",
} as const;

export const HL7 = {
  actCode: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
  conditionVerification: "http://terminology.hl7.org/CodeSystem/condition-ver-status",
  observationCategory: "http://terminology.hl7.org/CodeSystem/observation-category",
  medicationRequestCourse: "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy",
  flagCategory: "http://terminology.hl7.org/CodeSystem/flag-category",
  ucum: "http://unitsofmeasure.org",
} as const;

import { localCodeSystem as local } from "../core/codes.ts";

/** Local code systems; the first three are the ingest's own (src/ingest/fhir), so a round trip holds. */
export const LOCAL = {
  encounterKind: local("encounter-kind"),
  careService: local("care-service"),
  contactMode: local("contact-mode"),
  organisationKind: local("organisation-kind"),
  aeDisposal: local("ae-disposal"),
  arrivalMode: local("arrival-mode"),
  flag: local("flag"),
  riskOutcome: local("risk-outcome"),
  riskTier: local("risk-tier"),
  efiCategory: local("efi-category"),
  efiDeficit: local("efi-deficit"),
  register: local("risk-register"),
  consentKind: local("consent-kind"),
} as const;

export const LOCAL_EXTENSIONS = {
  attendance: "urn:oneplace:fhir:attendance",
  firstAttendance: "urn:oneplace:fhir:first-attendance",
  riskPercentile: "urn:oneplace:fhir:risk-percentile",
} as const;
