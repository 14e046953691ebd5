// The registers index: the team's practice and locality registers and the saved cohorts, as links.
import type { RegisterIndex } from "../../governance/index.ts";
import { registerPath } from "./register.context.ts";

export function registersContext(index: RegisterIndex) {
  return {
    title: "Registers",
    breadcrumbs: [{ href: "/", text: "Home" }],
    practices: index.practices.map((p) => ({
      href: registerPath("practice", p.code),
      text: `${p.name} (${p.code}): practice register`,
    })),
    localities: index.localities.map((l) => ({
      href: registerPath("locality", l.code),
      text: `${l.name} (${l.code}): locality register`,
    })),
    within: index.cohortsWithin
      ? `Each cohort shows only its people at your ${index.cohortsWithin.kind} (${index.cohortsWithin.code}).`
      : null,
    cohortRows: index.cohorts.map((c) => [
      { html: `<a class="nhsuk-link" href="${registerPath("cohort", c.cohortId)}">${c.cohortId}</a>` },
      { text: c.description || "–" },
      {
        text: c.registers.length
          ? c.registers.map((r) => `${r.registerId} (per ${r.scope})`).join(", ")
          : "No",
      },
    ]),
  };
}
