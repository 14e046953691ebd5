// Preloaded into a server process by bench/fhir-api.ts (`--import ./bench/event-loop-probe.ts`): writes, every
// 100 ms, the event loop's cumulative busy and idle time (performance.eventLoopUtilization) and its delay
// histogram's figures since the bench last asked for a fresh one (by making the file named as the report with
// `.reset` after it), to ONEPLACE_EVENT_LOOP_REPORT. The bench reads the file
// before and after a run: the share of the run the server's one thread was busy says whether the thread is the
// limit (near 1) or the requests wait on something else (the database, a batch in flight).
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";

const target = process.env.ONEPLACE_EVENT_LOOP_REPORT;

if (target) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    if (existsSync(`${target}.reset`)) {
      rmSync(`${target}.reset`, { force: true });
      delay.reset();
    }
    const { idle, active } = performance.eventLoopUtilization();
    writeFileSync(
      target,
      JSON.stringify({
        idleMs: idle,
        activeMs: active,
        delayMaxMs: delay.max / 1e6,
        delayP99Ms: delay.percentile(99) / 1e6,
        delayMeanMs: delay.mean / 1e6,
        delayCount: delay.count,
      }),
    );
  }, 100).unref();
}
