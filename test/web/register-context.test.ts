// The register page's links: numbered pages with gaps, and query strings that keep the filters and sort.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pageItems, registerQueryString } from "../../src/web/views/register.context.ts";

test("pages: the first, the last, two either side of the current, gaps as ellipses", () => {
  const shown = (page: number, pages: number) =>
    pageItems(page, pages, (n) => `?page=${n}`).map((i) =>
      "ellipsis" in i ? "…" : i.current ? `[${i.number}]` : `${i.number}`,
    );
  assert.deepEqual(shown(1, 1), ["[1]"]);
  assert.deepEqual(shown(1, 400), ["[1]", "2", "3", "…", "400"]);
  assert.deepEqual(shown(7, 400), ["1", "…", "5", "6", "[7]", "8", "9", "…", "400"]);
  assert.deepEqual(shown(4, 6), ["1", "2", "3", "[4]", "5", "6"]);
  assert.deepEqual(shown(400, 400), ["1", "…", "398", "399", "[400]"]);
});

test("a register link keeps every filter, the sort and the page size, and drops the defaults", () => {
  assert.equal(registerQueryString({}, {}), "");
  assert.equal(
    registerQueryString(
      {
        tiers: ["very-high", "high"],
        efiCategories: ["severe"],
        hiu: true,
        noJointPlan: true,
        reviewOverdue: true,
        admittedRecently: true,
      },
      { sort: "name", dir: "asc", page: 3, pageSize: 50 },
    ),
    "?tier=very-high&tier=high&efi=severe&hiu=yes&noJointPlan=yes&reviewOverdue=yes&admitted=yes&sort=name&dir=asc&page=3&pageSize=50",
  );
  assert.equal(registerQueryString({}, { page: 1, pageSize: 25, format: "csv" }), "?format=csv");
});
