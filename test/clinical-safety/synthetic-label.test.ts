// HAZ-023: the demo's synthetic data mistaken for real. Every page, signed in or not, says the data is synthetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { webSuite } from "../web/harness.ts";

const web = webSuite();

test("every page says the people in it are synthetic, including the public status and sign-in pages", async () => {
  for (const url of ["/status", "/login", "/no-such-page"]) {
    const res = await web.app.inject({ method: "GET", url, headers: { accept: "text/html" } });
    assert.match(res.headers["content-type"] as string, /text\/html/, url);
    assert.match(res.body, /Synthetic data only/, `${url} carries the synthetic data tag`);
    assert.match(
      res.body,
      /Every person in this service is made up\. Do not enter real patients&#39; details\.|Every person in this service is made up\. Do not enter real patients' details\./,
      url,
    );
  }
});
