// Preloaded into a server process by bench/fhir-api.ts (`--import ./bench/event-loop-probe.ts`). On SIGUSR2 it
// writes to ONEPLACE_EVENT_LOOP_REPORT the event loop's cumulative busy and idle time
// (performance.eventLoopUtilization) and how late its timers ran since the last signal, then starts a fresh
// delay histogram: the bench signals at the start and at the end of a run, so the share of the run the server's
// one thread was busy says whether the thread is the limit (near 1) or requests wait on something else (the
// database, a batch in flight). With ONEPLACE_CPU_PROFILE_DIR it also profiles the server's CPU from one signal
// to the next (the run alone, not the start-up), a .cpuprofile per run. Nothing is written between signals: a
// probe that wrote on a timer was itself a few percent of the server's busy time under load.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";

const target = process.env.ONEPLACE_EVENT_LOOP_REPORT;
const profileDir = process.env.ONEPLACE_CPU_PROFILE_DIR;

if (target) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let session: Session | null = null;
  let runs = 0;
  process.on("SIGUSR2", async () => {
    const { idle, active } = performance.eventLoopUtilization();
    const report = {
      idleMs: idle,
      activeMs: active,
      delayMeanMs: delay.mean / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
    };
    delay.reset();
    if (profileDir) {
      if (session) {
        const { profile } = await session.post("Profiler.stop");
        writeFileSync(join(profileDir, `run-${++runs}.cpuprofile`), JSON.stringify(profile));
        session.disconnect();
        session = null;
      } else {
        session = new Session();
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
      }
    }
    writeFileSync(target, JSON.stringify(report));
  });
}
