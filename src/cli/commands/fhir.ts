import { readFileSync } from "node:fs";
import { checkJwks, listClients, registerClient, revokeClient } from "../../fhir/index.ts";
import { PURPOSES } from "../../governance/index.ts";
import { choice, defineCommand, path, text } from "../command.ts";
import { cliOperator, out } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

/** A JWK Set file, or a file holding one public JWK. */
function readJwks(file: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw invalid("cli.jwks-unreadable", `${file} is not a JSON file holding a JWK Set or a public JWK.`);
  }
  const set = (parsed as { keys?: unknown }).keys ? parsed : { keys: [parsed] };
  return checkJwks(set);
}

export const fhirClientRegister = defineReport({
  name: "fhir register-client",
  summary:
    "Register a SMART backend services client of the FHIR API: its public keys, its scopes, and the service account, role, team and purpose it acts as.",
  options: {
    name: text("What the client is, e.g. the hospital's EPR", { valueName: "label", required: true }),
    jwks: path("The client's public key(s): a JWK Set or one public JWK (RS384 or ES384), as JSON", {
      required: true,
    }),
    scopes: text('Space-separated system scopes, e.g. "system/Patient.rs system/Observation.rs"', {
      valueName: "scopes",
      required: true,
    }),
    user: text("The service account the client acts as (see 'oneplace users list')", {
      valueName: "username",
      required: true,
    }),
    role: text("Role code the client acts in", { valueName: "role", required: true }),
    team: text("Team code the client acts in", { valueName: "team", required: true }),
    purpose: choice(PURPOSES, "Purpose of use", { required: true }),
    "ingest-source": text(
      "Let the client write (transaction and batch Bundles, scopes with c or u): the source system its records load as",
      { valueName: "source" },
    ),
    json,
  },
  async load({ options, db }) {
    const { clientId } = await registerClient(db, cliOperator(), {
      name: options.name,
      username: options.user,
      roleCode: options.role,
      teamCode: options.team,
      purpose: options.purpose,
      scopes: options.scopes.split(/\s+/).filter(Boolean),
      jwks: readJwks(options.jwks),
      ingestSource: options["ingest-source"] ?? null,
    });
    return { clientId };
  },
  show: ({ clientId }, { options }) => [
    `Client ${clientId} registered for ${options.user} as ${options.role} in ${options.team} (${options.purpose}).`,
    "Its client assertions use this id as iss and sub, and the token endpoint <base>/fhir/R4/auth/token as aud.",
  ],
});

export const fhirClientList = defineReport({
  name: "fhir clients",
  summary: "List the FHIR API's backend clients, with what they act as and their scopes.",
  options: { json },
  load: ({ db }) => listClients(db),
  empty: "No FHIR clients are registered.",
  show: (clients) =>
    clients.map(
      (c) =>
        `${c.clientId}  ${c.name}  ${c.username} as ${c.roleCode} in ${c.teamCode} (${c.purpose})  ${c.scopes.join(" ")}${c.ingestSource ? `  writes as ${c.ingestSource}` : ""}${c.revokedAt ? `  revoked ${c.revokedAt}` : ""}`,
    ),
});

export const fhirClientRevoke = defineCommand({
  name: "fhir revoke-client",
  summary: "Revoke a FHIR backend client and every access token it holds, at once.",
  args: { id: text("The client's id", { valueName: "client-id", required: true }) },
  options: {},
  db: "migrated",
  async run({ args, db }) {
    if (!(await revokeClient(db, cliOperator(), args.id))) {
      throw notFound("cli.no-fhir-client", `No active FHIR client ${args.id}.`);
    }
    out(`Client ${args.id} revoked.`);
    return 0;
  },
});
