import type { ContactEvent } from "./life-events.ts";
import type { LifeSimulation } from "./life-state.ts";

// Community and mental health services: episodes of contacts with a service, chosen from the person's needs.

interface Episode {
  service: string;
  contacts: readonly [min: number, max: number];
  gapDays: readonly [min: number, max: number];
  modes: readonly ContactEvent["mode"][];
}

export const COMMUNITY_EPISODES: Readonly<Record<string, Episode>> = {
  "district-nursing": {
    service: "district-nursing",
    contacts: [2, 8],
    gapDays: [4, 9],
    modes: ["home-visit"],
  },
  "community-matron": {
    service: "community-matron",
    contacts: [2, 6],
    gapDays: [20, 40],
    modes: ["home-visit", "telephone"],
  },
  physiotherapy: {
    service: "physiotherapy",
    contacts: [2, 6],
    gapDays: [6, 10],
    modes: ["face-to-face", "face-to-face", "home-visit"],
  },
  podiatry: { service: "podiatry", contacts: [1, 4], gapDays: [40, 60], modes: ["face-to-face"] },
  continence: {
    service: "continence",
    contacts: [1, 3],
    gapDays: [20, 45],
    modes: ["face-to-face", "telephone"],
  },
  "falls-prevention": {
    service: "falls-prevention",
    contacts: [2, 6],
    gapDays: [6, 9],
    modes: ["face-to-face", "home-visit"],
  },
  "heart-failure-nurse": {
    service: "heart-failure-nurse",
    contacts: [2, 5],
    gapDays: [20, 40],
    modes: ["home-visit", "telephone"],
  },
  "respiratory-nurse": {
    service: "respiratory-nurse",
    contacts: [1, 4],
    gapDays: [20, 50],
    modes: ["face-to-face", "home-visit", "telephone"],
  },
  "rapid-response": { service: "rapid-response", contacts: [1, 3], gapDays: [1, 2], modes: ["home-visit"] },
  "intermediate-care": {
    service: "intermediate-care",
    contacts: [3, 8],
    gapDays: [2, 4],
    modes: ["home-visit"],
  },
  "stroke-rehabilitation": {
    service: "stroke-rehabilitation",
    contacts: [4, 10],
    gapDays: [2, 5],
    modes: ["home-visit", "face-to-face"],
  },
  "health-visiting": {
    service: "health-visiting",
    contacts: [3, 5],
    gapDays: [25, 90],
    modes: ["home-visit", "face-to-face"],
  },
};

export const MENTAL_HEALTH_EPISODES: Readonly<Record<string, Episode>> = {
  "community-mental-health-team": {
    service: "community-mental-health-team",
    contacts: [3, 10],
    gapDays: [10, 21],
    modes: ["face-to-face", "telephone", "home-visit"],
  },
  "crisis-resolution": {
    service: "crisis-resolution",
    contacts: [3, 8],
    gapDays: [1, 2],
    modes: ["home-visit", "telephone"],
  },
  "child-and-adolescent-mental-health": {
    service: "child-and-adolescent-mental-health",
    contacts: [3, 8],
    gapDays: [14, 28],
    modes: ["face-to-face", "video"],
  },
  "older-adults-mental-health": {
    service: "older-adults-mental-health",
    contacts: [2, 6],
    gapDays: [14, 35],
    modes: ["home-visit", "face-to-face", "telephone"],
  },
  "memory-clinic": { service: "memory-clinic", contacts: [2, 4], gapDays: [21, 60], modes: ["face-to-face"] },
};

export function startEpisode(
  sim: LifeSimulation,
  episode: Episode,
  firstDay: number,
  setting: ContactEvent["setting"],
): void {
  const rng = sim.rng;
  const n = sim.between(episode.contacts[0], episode.contacts[1]);
  let d = firstDay;
  for (let i = 0; i < n && d <= sim.end; i++) {
    sim.life.contacts.push({ setting, service: episode.service, day: d, mode: rng.pick(episode.modes) });
    d += sim.between(episode.gapDays[0], episode.gapDays[1]);
  }
}

export function onCommunity(sim: LifeSimulation, day: number, service?: string): void {
  const chosen = service ?? communityService(sim, day);
  startEpisode(sim, COMMUNITY_EPISODES[chosen], day, "community");
}

function communityService(sim: LifeSimulation, day: number): string {
  const age = sim.age(day);
  const weights: [string, number][] = [
    [
      "district-nursing",
      age >= 65 ? 1 + (sim.has.has("housebound") || sim.has.has("skin-ulcer") ? 3 : 0) : 0.5,
    ],
    [
      "physiotherapy",
      1 + (sim.has.has("arthritis") || sim.has.has("mobility-and-transfer-problems") ? 1 : 0),
    ],
    ["podiatry", sim.has.has("foot-problems") || sim.has.has("diabetes") ? 1.5 : 0.3],
    ["community-matron", age >= 65 && sim.ltcs >= 2 ? 1.5 : 0],
    ["continence", sim.has.has("urinary-incontinence") ? 1 : 0],
    ["falls-prevention", sim.has.has("falls") ? 1.5 : 0],
    ["heart-failure-nurse", sim.has.has("heart-failure") ? 1.5 : 0],
    ["respiratory-nurse", sim.has.has("copd") ? 1.5 : 0],
    ["rapid-response", age >= 65 && sim.deficitCount() >= 6 ? 1 : 0],
  ];
  return weights[sim.rng.weightedIndex(weights.map((w) => w[1]))][0];
}

export function onMentalHealth(sim: LifeSimulation, day: number, service?: string): void {
  const rng = sim.rng;
  const age = sim.age(day);
  const chosen =
    service ??
    (age < 18
      ? "child-and-adolescent-mental-health"
      : age < 65
        ? rng.chance(0.12)
          ? "crisis-resolution"
          : "community-mental-health-team"
        : "older-adults-mental-health");
  startEpisode(sim, MENTAL_HEALTH_EPISODES[chosen], day, "mental-health");
  if ((chosen === "community-mental-health-team" || chosen === "crisis-resolution") && rng.chance(0.25)) {
    sim.life.carePlans.push({
      type: "crisis",
      start: day,
      reviewDue: day + 90,
      end: null,
      role: "care-coordinator",
      leadOrgCode: sim.ctx.place.mentalHealth.code,
    });
  }
}
