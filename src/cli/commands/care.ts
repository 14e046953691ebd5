// Care coordination at the command line: the directory of services (import from CSV, list: reference data, no
// person), and a person's joint care plan and referrals, read as a named user in a direct-care role through the
// governed reader (the relationship decides, the read is audited), as text or as FHIR R4 resources.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  carePlanResource,
  careTeamResource,
  importServices,
  listServices,
  planActionTasks,
  serviceRequestResource,
} from "../../care/index.ts";
import { createReader, listAssignments, listUsers, type ReaderIdentity } from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import { defineCommand, flag, nhsNumber, path, text } from "../command.ts";
import { out, outJson } from "../context.ts";
import { notFound, usageError } from "../errors.ts";
import { json } from "../options.ts";

export const careServicesImport = defineCommand({
  name: "care services import",
  summary:
    "Import the directory of services from a CSV (a header row; rows added or updated on service_code, bad rows reported)",
  usage: "oneplace care services import FILE.csv [--json]",
  args: { file: path("The directory CSV", { valueName: "FILE.csv", required: true }) },
  options: { json },
  db: "migrated",
  async run({ args, options, db }) {
    let csv: string;
    try {
      csv = readFileSync(args.file, "utf8");
    } catch {
      throw usageError(`${args.file} cannot be read: give the path of a CSV file.`);
    }
    const result = await db.transaction((tx) => importServices(tx, csv, basename(args.file)));
    if (options.json) outJson(result);
    else {
      out(
        `Directory of services from ${basename(args.file)}: ${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.refused.length} refused.`,
      );
      for (const r of result.refused) out(`  line ${r.line}: ${r.reason}`);
    }
    return result.refused.length > 0 ? 1 : 0;
  },
});

export const careServicesList = defineCommand({
  name: "care services list",
  summary: "List the directory of services: who each is for, how to refer, and its receiving team",
  options: { json },
  db: "migrated",
  async run({ options, db }) {
    const services = await listServices(db);
    if (options.json) outJson(services);
    else {
      for (const s of services) {
        const team = s.team
          ? `referrals to ${s.team.name}`
          : `not referable in OnePlace (team ${s.teamCode})`;
        out(
          `${s.serviceCode}  ${s.name} (${s.provider}); ${s.responseTime || "response time not stated"}; ${team}`,
        );
      }
      out(`${services.length} service(s).`);
    }
    return 0;
  },
});

/** The user's direct-care role (in the team given, or their first such role). */
export async function careIdentity(
  db: Db,
  username: string,
  teamCode: string | undefined,
  detail = "oneplace care plan",
): Promise<ReaderIdentity> {
  const user = (await listUsers(db)).find((u) => u.username === username);
  if (!user) {
    throw notFound("cli.no-such-user", `There is no user ${username}.`, {
      hint: "See 'oneplace users list'.",
    });
  }
  const assignments = (await listAssignments(db, user.userId)).filter(
    (a) =>
      (teamCode === undefined || a.team.teamCode === teamCode) &&
      a.role.accessBasis === "relationship" &&
      a.role.purposes.includes("direct-care"),
  );
  if (assignments.length === 0) {
    throw usageError(`${username} holds no direct-care role${teamCode ? ` in team ${teamCode}` : ""}.`);
  }
  return {
    user: { userId: user.userId, username: user.username, status: user.status },
    roleAssignment: assignments[0],
    purpose: "direct-care",
    origin: { channel: "cli", detail },
  };
}

export const carePlanShow = defineCommand({
  name: "care plan",
  summary: "Show a person's joint care plan and referrals, as a named user in a direct-care role (audited)",
  usage: "oneplace care plan --nhs-number N --as USERNAME [--team CODE] [--json | --fhir]",
  options: {
    "nhs-number": nhsNumber("The person's NHS Number", { required: true }),
    as: text("The username of the professional reading the plan", { valueName: "username", required: true }),
    team: text("The team they act in (default: their first direct-care role's)"),
    json,
    fhir: flag(
      "Print the plan, its care team, actions and referrals as FHIR R4 resources (a collection Bundle)",
    ),
  },
  db: "migrated",
  async run({ options, db }) {
    const reader = createReader(db, await careIdentity(db, options.as, options.team));
    const found = await reader.findByNhsNumber(options["nhs-number"]);
    if (found.people.length !== 1) {
      throw notFound(
        "care.no-person",
        found.people.length === 0
          ? "No person with that NHS Number whom this user may see."
          : "More than one person holds that NHS Number: resolve the identity first.",
      );
    }
    const page = await reader.personCarePlans(found.people[0].personId);
    const plan = page.plans.find((p) => p.latest.status !== "ended") ?? null;
    if (options.fhir) {
      const resources = [
        ...(plan ? [carePlanResource(plan), careTeamResource(plan), ...planActionTasks(plan)] : []),
        ...page.referrals.map(serviceRequestResource),
      ];
      outJson({
        resourceType: "Bundle",
        type: "collection",
        entry: resources.map((resource) => ({ resource })),
      });
      return 0;
    }
    if (options.json) {
      outJson({ personId: found.people[0].personId, plan, referrals: page.referrals });
      return 0;
    }
    if (!plan) out("No joint care plan in OnePlace.");
    else {
      const v = plan.latest;
      out(`Joint care plan, version ${v.version} (${v.status.replaceAll("-", " ")})`);
      out(
        `  Lead professional: ${v.lead ? `${v.lead.name}, ${v.lead.role}, ${v.lead.orgCode}` : "not assigned"}`,
      );
      out(`  Review date: ${v.reviewDueOn ?? "not set"}`);
      out(`  What matters: ${v.content.whatMattersToMe || "not recorded"}`);
      for (const g of v.content.goals) out(`  Goal: ${g.description}${g.measure ? ` (${g.measure})` : ""}`);
      for (const a of v.content.actions)
        out(`  Action: ${a.description}, ${a.ownerName}, by ${a.dueOn} (${a.status})`);
      out(
        `  ${plan.history.length} version(s); contributors: ${plan.contributors.map((c) => c.name).join(", ")}`,
      );
    }
    for (const r of page.referrals) {
      out(`Referral to ${r.serviceName} on ${r.referredOn}: ${r.status.replaceAll("-", " ")}`);
    }
    return 0;
  },
});
