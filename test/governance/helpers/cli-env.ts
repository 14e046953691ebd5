/** The environment for a CLI child: the test database's, plus NODE_OPTIONS when the runner was given one. */
export function cliEnv(
  database: { env: Record<string, string> },
  extra: Record<string, string> = {},
): Record<string, string> {
  const passthrough: Record<string, string> = process.env.NODE_OPTIONS
    ? { NODE_OPTIONS: process.env.NODE_OPTIONS }
    : {};
  return { ...passthrough, ...database.env, ...extra };
}
