import type { FastifyPluginAsync, FastifyPluginCallback } from "fastify";

/**
 * Marks a plugin as not encapsulated, so what it decorates or hooks is visible to its siblings (what the
 * fastify-plugin package does, by the same documented symbol).
 */
export function shared<T extends FastifyPluginAsync<never> | FastifyPluginCallback<never>>(plugin: T): T {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
  return plugin;
}
