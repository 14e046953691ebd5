// MDT meetings at the command line, as a named professional acting in their practice or locality MDT team,
// through the governed reader (the same decisions and audit rows as the web pages): schedule a meeting with its
// agenda drawn by the team's rules, print a meeting's agenda, and print its minutes (or write them as a PDF).
import { writeFileSync } from "node:fs";
import {
  AGENDA_REASON_TEXT,
  AGENDA_RULES,
  DEFAULT_AGENDA,
  MAX_AGENDA,
  MDT_TIERS,
  mdtOutcomeTasks,
} from "../../care/index.ts";
import { createReader, type MdtMeetingView } from "../../governance/index.ts";
import { readSettings } from "../../platform/index.ts";
import { choice, date, defineCommand, flag, int, path, text, uuid } from "../command.ts";
import { out, outJson } from "../context.ts";
import { json } from "../options.ts";
import { careIdentity } from "./care.ts";

const as = text("The username of the professional, acting in their practice or locality MDT team", {
  valueName: "username",
  required: true,
});
const team = text("The team they act in (default: their first direct-care role's)");
const londonToday = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
const spaced = (n: string | null) =>
  n ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : "no NHS Number";

/** The meeting as JSON: people by name and NHS Number (only those the user may see), the rest counted. */
function meetingJson(view: MdtMeetingView) {
  return {
    ...view.meeting,
    withheldNow: view.withheld,
    items: view.meeting.items.map((i) => {
      const p = view.people.get(i.personId);
      return { ...i, nhsNumber: p?.nhsNumber ?? null, name: p?.name ?? null };
    }),
  };
}

const nameOf = (view: MdtMeetingView, personId: string) => {
  const p = view.people.get(personId);
  return p ? [p.name.given, p.name.family].filter(Boolean).join(" ") : "Name not known";
};

export const careMdtSchedule = defineCommand({
  name: "care mdt schedule",
  summary: "Schedule an MDT meeting for your team and draw its agenda from the register by rules (audited)",
  usage:
    "oneplace care mdt schedule --as USERNAME --date YYYY-MM-DD --title TEXT [--time HH:MM] [--location TEXT] [--cohort ID] [--rule R]... [--tier T]... [--size N] [--json]",
  options: {
    as,
    team,
    date: date("The day of the meeting", { required: true }),
    title: text("The meeting's title", { required: true }),
    time: text("The start time, HH:MM"),
    location: text("Where it meets"),
    cohort: text(
      "Draw from this saved cohort (within the team's practice or locality) instead of the register",
      {
        valueName: "id",
      },
    ),
    rule: choice(AGENDA_RULES, "Who goes on the agenda (repeat; default: all four rules)", {
      valueName: "rule",
      multiple: true,
    }),
    tier: choice(MDT_TIERS, "From these risk tiers (repeat; default: very-high and high)", {
      valueName: "tier",
      multiple: true,
    }),
    size: int(`At most this many people from the rules (default ${DEFAULT_AGENDA})`, {
      min: 1,
      max: MAX_AGENDA,
    }),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    const reader = createReader(
      db,
      await careIdentity(db, options.as, options.team, "oneplace care mdt schedule"),
    );
    const rules = options.rule.length ? options.rule : [...AGENDA_RULES];
    const made = await reader.scheduleMdtMeeting({
      title: options.title,
      heldOn: options.date,
      startsAt: options.time ?? "",
      location: options.location ?? "",
      cohortId: options.cohort ?? null,
      rules,
      tiers: options.tier.length ? options.tier : ["very-high", "high"],
      size: options.size ?? DEFAULT_AGENDA,
    });
    if (options.json) outJson(made);
    else {
      out(`Scheduled ${made.meetingId} on ${options.date}: ${made.people} people on the agenda.`);
      if (made.withheld > 0)
        out(`${made.withheld} people meeting the rules are people you cannot see: left off.`);
      out(`See it with: oneplace care mdt agenda ${made.meetingId} --as ${options.as}`);
    }
    return 0;
  },
});

export const careMdtAgenda = defineCommand({
  name: "care mdt agenda",
  summary: "Print an MDT meeting's agenda: who, why, and open actions (audited)",
  usage: "oneplace care mdt agenda MEETING_ID --as USERNAME [--json]",
  args: { meeting: uuid("The meeting's id", { required: true }) },
  options: { as, team, json },
  db: "migrated",
  async run({ args, options, db }) {
    const reader = createReader(
      db,
      await careIdentity(db, options.as, options.team, "oneplace care mdt agenda"),
    );
    const view = await reader.mdtMeeting(args.meeting);
    if (options.json) {
      outJson(meetingJson(view));
      return 0;
    }
    const m = view.meeting;
    out(
      `${m.title}, ${m.heldOn}${m.startsAt ? ` at ${m.startsAt}` : ""}${m.location ? `, ${m.location}` : ""}`,
    );
    m.items.forEach((i, n) => {
      const p = view.people.get(i.personId);
      const open = i.actions.filter((a) => a.status === "open").length;
      out(
        `${n + 1}. ${nameOf(view, i.personId)} (${spaced(p?.nhsNumber ?? null)}): ${i.reasons.map((r) => AGENDA_REASON_TEXT[r]).join("; ")}${open ? `; ${open} open action(s)` : ""}`,
      );
    });
    if (m.items.length === 0) out("No one is on the agenda.");
    if (view.withheld > 0) out(`${view.withheld} more on the agenda are people you cannot see now.`);
    return 0;
  },
});

export const careMdtMinutes = defineCommand({
  name: "care mdt minutes",
  summary: "Print an MDT meeting's minutes, or write them as a PDF (audited)",
  usage: "oneplace care mdt minutes MEETING_ID --as USERNAME [--pdf FILE] [--json | --fhir]",
  args: { meeting: uuid("The meeting's id", { required: true }) },
  options: {
    as,
    team,
    pdf: path("Write the minutes as a PDF to this file", { valueName: "FILE" }),
    json,
    fhir: flag("Print the outcome (each person's actions) as FHIR R4 Tasks (a collection Bundle)"),
  },
  db: "migrated",
  async run({ args, options, db }) {
    const reader = createReader(
      db,
      await careIdentity(db, options.as, options.team, "oneplace care mdt minutes"),
    );
    const view = await reader.mdtMeeting(args.meeting);
    if (options.pdf) {
      // The web capability (its templates and the PDF printer) is loaded only to print: about 0.6 s of CPU.
      const { minutesPdf } = await import("../../web/index.ts");
      const pdf = await minutesPdf(view, londonToday(), readSettings().chromium);
      writeFileSync(options.pdf, pdf);
      if (options.json) outJson({ pdf: options.pdf, bytes: pdf.length });
      else out(`Minutes written to ${options.pdf} (${pdf.length} bytes).`);
      return 0;
    }
    if (options.fhir) {
      const tasks = view.meeting.items.flatMap((i) => mdtOutcomeTasks(view.meeting, i));
      outJson({ resourceType: "Bundle", type: "collection", entry: tasks.map((resource) => ({ resource })) });
      return 0;
    }
    if (options.json) {
      outJson(meetingJson(view));
      return 0;
    }
    const m = view.meeting;
    out(`Minutes: ${m.title}, ${m.heldOn}${m.startsAt ? ` at ${m.startsAt}` : ""}`);
    out(
      `Attended: ${m.attendees.map((a) => `${a.name} (${a.role}${a.organisation ? `, ${a.organisation}` : ""})`).join("; ") || "not recorded"}`,
    );
    m.items.forEach((i, n) => {
      out(
        `${n + 1}. ${nameOf(view, i.personId)} (${spaced(view.people.get(i.personId)?.nhsNumber ?? null)})`,
      );
      out(`   Discussion: ${i.summary || "not discussed"}`);
      out(`   Decisions: ${i.decisions || "none recorded"}`);
      out(
        `   Lead professional: ${i.lead ? `${i.lead.name}, ${i.lead.role} (${i.lead.outcome})` : "not recorded"}`,
      );
      out(`   Joint plan: ${i.plan ? i.plan.outcome : "no change"}`);
      for (const a of i.actions) {
        out(
          `   Action: ${a.description}; ${a.owner}, ${a.organisation}; due ${a.dueOn}; ${a.status}${a.carried ? ` (from ${a.agreedOn})` : ""}`,
        );
      }
    });
    if (view.withheld > 0)
      out(`${view.withheld} more on the agenda are people you cannot see now; not in these minutes.`);
    return 0;
  },
});
