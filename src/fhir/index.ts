// The FHIR R4 API over the shared record: the Fastify plugin the web server registers under /fhir/R4, and the
// SMART backend client registry the command line manages. See README.md and docs/fhir-api.md.

export { LINE_TEMPLATES, pseudonymisedLine, templateColumns } from "./bulk-lines.ts";
export { pseudonymiseResource } from "./bulk-pseudonymise.ts";
export {
  type ClientRegistration,
  checkJwks,
  issueAccessToken,
  listClients,
  type RegisteredClient,
  registerClient,
  revokeClient,
} from "./clients.ts";
export type { FhirIdentity } from "./identity.ts";
export { RESOURCE_BY_NAME, RESOURCE_TYPES } from "./registry.ts";
export { FHIR_BASE_PATH, type FhirPluginOptions, fhirPlugin, fhirRescorerFor } from "./routes.ts";
export { CLIENT_ASSERTION_TYPE } from "./smart-token.ts";
export type { FhirResource, ResourceType, SourceRow } from "./types.ts";
