import type { Organization } from "fhir/r4.js";
import { ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import type { Column, FhirMapping, FhirTable } from "./declare.ts";
import {
  asSent,
  at,
  type Converter,
  dayIfGiven,
  type Extractor,
  RECEIVED,
  requiredText,
  rule,
} from "./extract.ts";
import { codingIn, fail, orgOf } from "./fields.ts";
import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "./systems.ts";

// An Organization, declared by its kind: a site (a hospital's, of the organisation it is part of) or an
// organisation, in the tables everyone shares, keyed by its ODS code (else by its source and id). What the
// source's other resources refer to it by (its id, each identifier) is kept beside it (ingest_fhir_organization).

const ORG_KINDS = [
  "locality",
  "practice",
  "acute",
  "community",
  "mental-health",
  "ambulance",
  "council",
  "ccg",
  "care-home",
  "voluntary",
  "site",
  "unknown",
];

/** An Organization's identifiers as `system|value`, as conditional references name them. */
export function identifierKeys(o: Organization): string[] {
  return (o.identifier ?? []).filter((i) => i.system && i.value).map((i) => `${i.system}|${i.value}`);
}

/**
 * The code an Organization is known by in the shared organisation table: its ODS code, else its id scoped by
 * the source that sent it (`source:id`), so two senders' Organization/1 never become one organisation.
 */
export function orgCodeOfResource(o: Organization, source: string): string | null {
  const ods = o.identifier?.find((i) => i.system === ODS_ORGANISATION_SYSTEM)?.value;
  if (ods && /^[A-Z0-9]{3,10}$/.test(ods)) return ods;
  return o.id && /^[A-Za-z0-9\-.]{1,64}$/.test(o.id) ? `${source}:${o.id}` : null;
}

const CODE = rule<string>(
  "identifier | id",
  `the ODS code (identifier \`${ODS_ORGANISATION_SYSTEM}\`, 3 to 10 capitals and digits), else \`<source>:<id>\` (required)`,
  false,
  (o: Organization, f) =>
    orgCodeOfResource(o, f.ctx.source) ?? fail("Organization has neither an ODS code identifier nor an id"),
);

const NAME = at("name", requiredText);

/** OnePlace's kinds when the sender gives them; otherwise kept as 'unknown' until someone says. */
const kindOf: Converter<string> = {
  how: `code of the first coding from \`${FHIR_SYSTEMS.organisationKind}\` (${ORG_KINDS.join(", ")}; another is rejected), else \`unknown\` (a later load that says the kind sets it; one that does not never undoes it)`,
  optional: false,
  convert: (v) => {
    const kind = codingIn(v as Organization["type"], FHIR_SYSTEMS.organisationKind)?.code ?? "unknown";
    if (!ORG_KINDS.includes(kind))
      fail(`Organization.type from ${FHIR_SYSTEMS.organisationKind} is not one OnePlace knows`);
    return kind;
  },
};

const KIND = at("type", kindOf);

const CARE_HOME_TYPE = at("type", {
  how: `code of the first coding from \`${FHIR_SYSTEMS.careHomeType}\` (residential or nursing; another is rejected)`,
  optional: true,
  convert: (v) => {
    const type = codingIn(v as Organization["type"], FHIR_SYSTEMS.careHomeType)?.code ?? null;
    if (type && type !== "residential" && type !== "nursing")
      fail("Organization.type care home type is not residential or nursing");
    return type;
  },
} satisfies Converter<string | null>);

/** The organisation it is part of: a site must say. */
const PARENT = rule<string | null>(
  "partOf",
  "organisation code, as for a reference elsewhere, when given (a site must give it)",
  true,
  (o: Organization, f) => {
    const parent = o.partOf ? orgOf(o.partOf, "Organization.partOf", f.ctx) : null;
    if (f.get(KIND) === "site" && !parent)
      fail("a site Organization needs partOf (the organisation it belongs to)");
    return parent;
  },
);

/** A site's organisation: PARENT, never empty for a site. */
const SITE_OF = rule<string>(
  "partOf",
  "organisation code, as for a reference elsewhere (required)",
  false,
  (_: Organization, f) => f.get(PARENT) as string,
);

const OPERATIONAL = `extension('${FHIR_EXTENSIONS.operationalPeriod}').valuePeriod`;
/** The operational period, found before the checks that follow it (a damaged extension list fails here first). */
const PERIOD = at(OPERATIONAL, asSent);
const OPENED = at(`${OPERATIONAL}.start`, dayIfGiven("operational period start"));
const CLOSED = at(`${OPERATIONAL}.end`, dayIfGiven("operational period end"));
const POSTCODE = at("address[0].postalCode", asSent);

/** What the source's other resources refer to it by: its id, and each identifier as `system|value`. */
const NAMES: Extractor<string[]> = rule(
  "id | identifier",
  "the id, and each identifier with a system and a value as `system|value`: a row each, naming the organisation code",
  false,
  (o: Organization) => [...(o.id ? [o.id] : []), ...identifierKeys(o)],
);

const REFERRED_TO_AS: Column = ["ingest_fhir_organization.resource_id", NAMES];

const ORGANISATION: FhirTable = {
  title: "an organisation",
  table: "organisation",
  columns: [
    ["org_code", CODE],
    ["name", NAME],
    ["kind", KIND],
    ["care_home_type", CARE_HOME_TYPE],
    ["parent_code", PARENT],
    ["opened_on", OPENED],
    ["closed_on", CLOSED],
    ["postcode", POSTCODE],
    ["received_at", RECEIVED],
    REFERRED_TO_AS,
  ],
};

const SITE: FhirTable = {
  title: "a site of the organisation it is part of",
  table: "site",
  columns: [
    ["site_code", CODE],
    ["name", NAME],
    ["org_code", SITE_OF],
    ["postcode", POSTCODE],
    ["received_at", RECEIVED],
    REFERRED_TO_AS,
  ],
};

/** Organization: a site, or an organisation of any other kind. */
export const ORGANIZATION: FhirMapping = {
  resource: "Organization",
  readings: [
    {
      called: "kind",
      first: [CODE, NAME, KIND, PERIOD, CARE_HOME_TYPE, PARENT, OPENED, CLOSED],
      by: KIND,
      classes: [
        { codes: ["site"], read: SITE },
        { codes: ORG_KINDS.filter((k) => k !== "site"), read: ORGANISATION },
      ],
      otherwise: {
        reason: () => `Organization.type from ${FHIR_SYSTEMS.organisationKind} is not one OnePlace knows`,
      },
    },
  ],
};
