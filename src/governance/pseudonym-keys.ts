// Keys for the keyed hash that replaces person ids in pseudonymised outputs: one key per purpose, from the
// environment or a key file, never from the repository or the database. Without its key a purpose fails.
import { readFileSync, statSync } from "node:fs";
import { GovernanceError } from "./errors.ts";

export const MIN_KEY_BYTES = 32;

export interface PseudonymKeys {
  /** The key for a purpose; throws a clear error when there is none. */
  keyFor(purpose: string): Buffer;
}

function envName(purpose: string): string {
  return `ONEPLACE_PSEUDONYM_KEY_${purpose.toUpperCase().replaceAll("-", "_")}`;
}

function decodeKey(text: string, where: string): Buffer {
  const value = text.trim();
  const key =
    /^[0-9a-f]+$/i.test(value) && value.length % 2 === 0
      ? Buffer.from(value, "hex")
      : Buffer.from(value, "base64");
  if (key.length < MIN_KEY_BYTES) {
    throw new GovernanceError(
      `the pseudonymisation key in ${where} is too short (${key.length} bytes; at least ${MIN_KEY_BYTES} are needed)`,
      "Generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\"",
      { kind: "invalid", code: "governance.pseudonym-key" },
    );
  }
  return key;
}

function readKeyFile(path: string): Map<string, string> {
  let text: string;
  try {
    const mode = statSync(path).mode;
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      throw new GovernanceError(
        `the pseudonymisation key file ${path} can be read by other users`,
        `Restrict it: chmod 600 ${path}`,
        { kind: "invalid", code: "governance.pseudonym-key" },
      );
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof GovernanceError) throw error;
    throw new GovernanceError(
      `cannot read the pseudonymisation key file ${path}`,
      "Check ONEPLACE_PSEUDONYM_KEY_FILE.",
      { kind: "unavailable", code: "governance.pseudonym-key" },
    );
  }
  const keys = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const match = /^([a-z][a-z-]*)\s*=\s*(\S+)$/.exec(trimmed);
    if (!match)
      throw new GovernanceError(
        `the pseudonymisation key file ${path} has a line that is not purpose=key`,
        undefined,
        { kind: "invalid", code: "governance.pseudonym-key" },
      );
    keys.set(match[1], match[2]);
  }
  return keys;
}

/**
 * ONEPLACE_PSEUDONYM_KEY_<PURPOSE> (hex or base64, at least 32 bytes), or lines `purpose=key` in the file
 * named by ONEPLACE_PSEUDONYM_KEY_FILE. The environment variable wins over the file.
 */
export function pseudonymKeysFromEnv(env: Readonly<Record<string, string | undefined>>): PseudonymKeys {
  const cache = new Map<string, Buffer>();
  let fileKeys: Map<string, string> | null = null;
  return {
    keyFor(purpose: string): Buffer {
      if (!/^[a-z][a-z-]*$/.test(purpose))
        throw new GovernanceError(`"${purpose}" is not a pseudonymisation purpose`);
      const cached = cache.get(purpose);
      if (cached) return cached;
      const name = envName(purpose);
      let key: Buffer | null = null;
      if (env[name]?.trim()) key = decodeKey(env[name] as string, name);
      else if (env.ONEPLACE_PSEUDONYM_KEY_FILE?.trim()) {
        const file = env.ONEPLACE_PSEUDONYM_KEY_FILE.trim();
        fileKeys ??= readKeyFile(file);
        const text = fileKeys.get(purpose);
        if (text) key = decodeKey(text, `${file} (${purpose})`);
      }
      if (!key) {
        throw new GovernanceError(
          `no pseudonymisation key for the purpose "${purpose}"`,
          `Set ${name}, or ONEPLACE_PSEUDONYM_KEY_FILE to a file with a line "${purpose}=<key>". Keys never live in the repository or the database.`,
          { kind: "unavailable", code: "governance.no-pseudonym-key" },
        );
      }
      cache.set(purpose, key);
      return key;
    },
  };
}
