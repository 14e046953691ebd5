// The CapabilityStatement: what the server does, built from the same registry the routes serve, so it cannot
// claim a type, interaction or search parameter the server does not have.
import { isSupportedResource } from "../ingest/index.ts";
import { AUDIT_EVENT_PARAMS } from "./audit-events.ts";
import { COMMON_PARAMS, RESOURCE_TYPES } from "./registry.ts";

export const FHIR_VERSION = "4.0.1";
const BULK_DATA = "http://hl7.org/fhir/uv/bulkdata";

export function capabilityStatement(base: string, software: { version: string }) {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: "2026-12-05",
    publisher: "OnePlace",
    kind: "instance",
    software: { name: "OnePlace", version: software.version },
    implementation: { description: "OnePlace FHIR R4 API over the shared record", url: base },
    fhirVersion: FHIR_VERSION,
    instantiates: [`${BULK_DATA}/CapabilityStatement/bulk-data`],
    format: ["application/fhir+json", "json"],
    rest: [
      {
        mode: "server",
        documentation:
          "Reads: every request is decided by the same access policy as the web and audited with its query. " +
          "Searches for clinical resources name one patient (patient or subject) or ids (_id). " +
          "_sort takes _lastUpdated, _id and, on types with a date parameter, date (- before one for descending). " +
          "Bulk Data Access 2.0 $export (system, Patient and Group level) answers asynchronously with NDJSON files " +
          "of the people the caller may see; a commissioning client's files are pseudonymised. " +
          "Writes: only transaction and batch Bundles POSTed to the base, from backend clients registered to write " +
          "(scopes system/<Type>.c for POST entries, .u for PUT), loaded through the same path as FHIR files: " +
          "the same checks, rejects kept for repair, the master person index, and the same Bundle twice changes nothing. " +
          "A transaction is applied whole or not at all; a batch entry by entry. Entries of types OnePlace does not " +
          "store are accepted and counted as unsupported (202). There is no single-resource create, update or delete. " +
          "Conditional create: a POST entry's request.ifNoneExist is evaluated as the writing client's own search " +
          "(system/<Type>.s, decided and audited as the role and purpose it was registered for): no match it may see " +
          "creates (201), one returns the existing resource without writing (200, location), several answer 412. " +
          "A match the client may not see is no match for it, so the entry is created as if there were none: the " +
          "master person index links a Patient to the person already held, and the answer is the one a new person gets.",
        security: {
          cors: false,
          service: [
            {
              coding: [
                {
                  system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
                  code: "SMART-on-FHIR",
                },
              ],
              text: "SMART Backend Services (client credentials with a signed JWT assertion, RS384 or ES384); OnePlace user sessions and API tokens",
            },
          ],
          extension: [
            {
              url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
              extension: [{ url: "token", valueUri: `${base}/auth/token` }],
            },
          ],
        },
        resource: RESOURCE_TYPES.map((type) => ({
          type: type.type,
          profile: type.profile.startsWith("http://hl7.org/fhir/StructureDefinition/")
            ? type.profile
            : undefined,
          supportedProfile: type.profile.startsWith("http://hl7.org/fhir/StructureDefinition/")
            ? undefined
            : [type.profile],
          interaction: [{ code: "read" }, { code: "search-type" }],
          // Reads carry meta.versionId (and an ETag from it); no vread or history: the tables keep no versions.
          versioning: "versioned",
          // If-None-Match on the ETag and If-Modified-Since on meta.lastUpdated (conditional.ts).
          conditionalRead: "full-support",
          readHistory: false,
          updateCreate: false,
          // Only inside transaction and batch Bundles (request.ifNoneExist), on the types the ingest stores.
          conditionalCreate: isSupportedResource(type.type) ? true : undefined,
          searchInclude:
            type.personal && type.type !== "Patient"
              ? [`${type.type}:patient`, `${type.type}:subject`]
              : undefined,
          searchRevInclude:
            type.type === "Patient"
              ? ["Condition:patient", "Condition:subject", "Encounter:patient", "Encounter:subject"]
              : undefined,
          searchParam: [
            { name: "_id", type: "token" },
            { name: "_lastUpdated", type: "date" },
            ...Object.entries(type.params).map(([name, param]) => ({
              name,
              type: param.type,
              documentation: param.description,
            })),
          ],
          ...(type.type === "Patient"
            ? {
                operation: [
                  {
                    name: "everything",
                    definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                  },
                  { name: "export", definition: `${BULK_DATA}/OperationDefinition/patient-export` },
                ],
              }
            : {}),
        }))
          .map(stripUndefined)
          .concat([auditEventCapability(), groupCapability()]),
        interaction: [{ code: "transaction" }, { code: "batch" }],
        operation: [{ name: "export", definition: `${BULK_DATA}/OperationDefinition/export` }],
        searchParam: COMMON_PARAMS.filter(
          (p) => !["_id", "_offset", "_lastUpdated", "_include", "_revinclude", "_sort"].includes(p),
        ).map((name) => ({
          name,
          type: name === "_count" ? "number" : "token",
        })),
      },
    ],
  };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** AuditEvent: search only, for roles that may read the audit trail (the IG officer). */
function auditEventCapability() {
  return {
    type: "AuditEvent",
    profile: "http://hl7.org/fhir/StructureDefinition/AuditEvent",
    documentation: "The audit trail, for roles that may read it: who accessed a person, or what a user did.",
    interaction: [{ code: "search-type" }],
    versioning: "no-version",
    readHistory: false,
    updateCreate: false,
    searchParam: Object.entries(AUDIT_EVENT_PARAMS).map(([name, documentation]) => ({
      name,
      type: name === "patient" ? "reference" : "token",
      documentation,
    })),
  } as never;
}

/** Group: only Group-level $export; a Group is a saved cohort (cohort-<id>) or a risk register (register-<id>). */
function groupCapability() {
  return {
    type: "Group",
    documentation:
      "Groups are the place's saved cohorts (Group/cohort-<cohort id>) and risk registers (Group/register-<register id>). " +
      "Only $export is offered on them; they cannot be read or searched.",
    operation: [{ name: "export", definition: `${BULK_DATA}/OperationDefinition/group-export` }],
  } as never;
}
