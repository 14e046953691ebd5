// A fixed-window counter per key (the client's address) for sign-in attempts. Per process: behind a load
// balancer each instance counts on its own, and account lockout (in the database) still applies to all.

export interface RateLimiter {
  /** Counts one attempt; returns the seconds to wait if the key is over its limit, else 0. */
  hit(key: string, now?: number): number;
}

export function createRateLimiter(limit: number, windowMs = 60_000, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key, now = Date.now()) {
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (windows.size >= maxKeys) {
          for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k);
          if (windows.size >= maxKeys) windows.clear();
        }
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count > limit ? Math.ceil((w.start + windowMs - now) / 1000) : 0;
    },
  };
}
