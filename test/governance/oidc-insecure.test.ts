// Plain-http identity providers: openid-client refuses them, and OnePlace lifts that only for an issuer on
// this machine (the tests' stub provider, development). No provider is contacted here.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OidcConfig } from "../../src/governance/auth-config.ts";
import { createOidcClient } from "../../src/governance/oidc.ts";

const config = (issuer: string): OidcConfig => ({
  issuer,
  clientId: "c",
  clientSecret: "s",
  redirectUrl: "https://oneplace.example/login/oidc/callback",
  usernameClaim: "preferred_username",
  scopes: "openid",
  label: "Test",
});
const noDb = { query: () => Promise.reject(new Error("the database is not reached")) };

test("an http issuer off this machine is refused before any request", async () => {
  await assert.rejects(createOidcClient(config("http://id.example")).begin(noDb as never), /HTTPS/);
});

test("an http issuer on a loopback address is allowed (the request itself fails: nothing listens)", async () => {
  await assert.rejects(
    createOidcClient(config("http://127.0.0.1:9")).begin(noDb as never),
    (error: Error) =>
      !/HTTPS/.test(error.message) && /discovery document could not be used/.test(error.message),
  );
});
