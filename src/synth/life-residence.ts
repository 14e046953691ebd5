import type { LifeSimulation } from "./life-state.ts";

// Where a person lives and which practice they are registered with: moves within the place, into a care
// home, and between practices.

export function moveInto(sim: LifeSimulation, day: number, careHomeIndex: number): void {
  const home = sim.ctx.place.careHomes[careHomeIndex];
  const area = sim.rng.pick(sim.ctx.place.areasByLocality[home.localityIndex]);
  sim.life.addresses.push({
    from: Math.max(day, sim.currentAddress().from),
    areaIndex: area.index,
    postcode: home.postcode,
  });
}

export function onMoveAddress(sim: LifeSimulation, day: number): void {
  if (sim.careHome || sim.inHospital(day)) return;
  const rng = sim.rng;
  const place = sim.ctx.place;
  const currentLocality = place.areas[sim.currentAddress().areaIndex].localityIndex;
  const locality = rng.chance(0.7) ? currentLocality : rng.int(place.localities.length);
  const areas = place.areasByLocality[locality];
  const area = areas[rng.weightedIndex(areas.map((a) => a.weight))];
  sim.life.addresses.push({ from: day, areaIndex: area.index, postcode: rng.pick(area.postcodes) });
  if (locality !== currentLocality && rng.chance(0.6)) changePractice(sim, day, locality);
}

export function changePractice(sim: LifeSimulation, day: number, localityIndex: number): void {
  const current = sim.life.registrations[sim.life.registrations.length - 1];
  if (day <= current.from) return;
  const candidates = sim.ctx.place.practices.filter(
    (p) => p.localityIndex === localityIndex && p.index !== current.practiceIndex,
  );
  if (candidates.length === 0) return;
  const next = candidates[sim.rng.weightedIndex(candidates.map((p) => p.listShare))];
  current.to = day;
  current.reason = "moved-practice";
  sim.life.registrations.push({ practiceIndex: next.index, from: day, to: null, reason: null });
}
