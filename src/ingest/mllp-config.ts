import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { OnePlaceError } from "../core/errors.ts";

// Who may send to the MLLP listener, how, and how much. Each source is an allow-list: the addresses it
// connects from, the MSH-3 sending applications and MSH-4 facilities it may send as, with TLS the client
// certificate it must present, and whether its merges (A40) are applied or go to the MPI review queue. The
// limits bound what any sender can make the listener hold. Read from the JSON file ONEPLACE_MLLP_CONFIG
// names (src/ingest/README.md documents it).

export interface MllpSource {
  /** A name for logs and reject origins (e.g. "acute-pas"). */
  name: string;
  /** Addresses or CIDR ranges (10.1.2.0/24) it connects from. */
  addresses: string[];
  /** MSH-3.1 values it may send as; empty: any. */
  sendingApplications: string[];
  /** MSH-4.1 values it may send as; empty: any. */
  sendingFacilities: string[];
  /** With TLS: the client certificate subject CNs or DNS names it may present; empty: any trusted by the CA. */
  certificateNames: string[];
  /** Its A40 merges are applied; otherwise each goes to the MPI review queue. */
  trustMerges: boolean;
}

export interface MllpLimits {
  /** Largest frame accepted; a larger one is refused (AR) and kept, in part, as a reject. */
  maxFrameBytes: number;
  /** Connections open at once, from everyone. */
  maxConnections: number;
  /** Connections open at once from one source. */
  maxConnectionsPerSource: number;
  /** A connection with nothing sent and no ACK owed for this long is closed. */
  idleSeconds: number;
  /** A frame must arrive whole within this long of its first byte (a sender trickling bytes is cut off). */
  frameSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<MllpLimits> = {
  maxFrameBytes: 1024 * 1024,
  maxConnections: 64,
  maxConnectionsPerSource: 8,
  idleSeconds: 300,
  frameSeconds: 30,
};

export interface MllpTls {
  /** PEM: the listener's certificate (chain) and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM: the CAs whose client certificates are accepted. With it, every sender must present one. */
  ca?: string | Buffer;
}

export interface MllpConfig {
  host?: string;
  port?: number;
  tls?: MllpTls;
  limits?: Partial<MllpLimits>;
  sources?: MllpSource[];
}

/** The senders allowed when no source is configured: processes on this machine, merges reviewed. */
export const LOCAL_SOURCE: MllpSource = {
  name: "local",
  addresses: ["127.0.0.0/8", "::1"],
  sendingApplications: [],
  sendingFacilities: [],
  certificateNames: [],
  trustMerges: false,
};

export class MllpConfigError extends OnePlaceError {
  override readonly name = "MllpConfigError";
  constructor(message: string) {
    super("invalid", "ingest.mllp-config", message);
  }
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** An IPv4 address as IPv6 (::ffff:10.0.0.5) is the IPv4 address. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

function addressList(addresses: readonly string[], where: string): BlockList {
  const list = new BlockList();
  for (const a of addresses) {
    const [ip, bits] = a.split("/");
    const family = isIP(ip);
    if (family === 0) throw new MllpConfigError(`${where}: "${a}" is not an IP address or CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(ip, type);
    else {
      const n = Number(bits);
      if (!Number.isInteger(n) || n < 0 || n > (family === 4 ? 32 : 128))
        throw new MllpConfigError(`${where}: "${a}" has an invalid prefix length`);
      list.addSubnet(ip, n, type);
    }
  }
  return list;
}

/** A source with its address list compiled. */
export interface CompiledSource extends MllpSource {
  allows(address: string): boolean;
}

export function compileSources(sources: readonly MllpSource[]): CompiledSource[] {
  return sources.map((s) => {
    const list = addressList(s.addresses, `MLLP source ${s.name}`);
    return {
      ...s,
      allows(address: string) {
        const ip = plainAddress(address);
        const family = isIP(ip);
        return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6");
      },
    };
  });
}

/** The certificate names a TLS peer presents: its subject CN and its DNS subject alternative names. */
export function certificateNamesOf(cert: {
  subject?: { CN?: string | string[] };
  subjectaltname?: string;
}): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === "string") names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn);
  for (const part of (cert.subjectaltname ?? "").split(",")) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m) names.push(m[1].trim());
  }
  return names;
}

/** The source a connection is from: the first whose addresses (and, with TLS, certificate names) it fits. */
export function sourceOf(
  sources: readonly CompiledSource[],
  address: string,
  certificateNames: readonly string[] | null,
): CompiledSource | null {
  for (const s of sources) {
    if (!s.allows(address)) continue;
    if (s.certificateNames.length > 0) {
      if (!certificateNames?.some((n) => s.certificateNames.includes(n))) continue;
    }
    return s;
  }
  return null;
}

// --- the configuration file -----------------------------------------------------------------------------

type Json = Record<string, unknown>;

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x.trim() === ""))
    throw new MllpConfigError(`${where} must be a list of strings`);
  return (v as string[]).map((x) => x.trim());
}

function positive(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new MllpConfigError(`${where} must be a whole number of at least 1`);
  return v;
}

function only(o: Json, keys: readonly string[], where: string): void {
  const unknown = Object.keys(o).filter((k) => !keys.includes(k));
  if (unknown.length > 0)
    throw new MllpConfigError(
      `${where}: unknown setting(s) ${unknown.join(", ")} (allowed: ${keys.join(", ")})`,
    );
}

function object(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new MllpConfigError(`${where} must be an object`);
  return v as Json;
}

/** Checks a parsed configuration; file paths (TLS) are read relative to `baseDir`. */
export function parseMllpConfig(value: unknown, where: string, baseDir: string): MllpConfig {
  const o = object(value, where);
  only(o, ["host", "port", "tls", "limits", "sources"], where);
  const config: MllpConfig = {};
  if (o.host !== undefined) {
    if (typeof o.host !== "string" || o.host.trim() === "")
      throw new MllpConfigError(`${where}: host must be an address`);
    config.host = o.host.trim();
  }
  if (o.port !== undefined) {
    if (typeof o.port !== "number" || !Number.isInteger(o.port) || o.port < 0 || o.port > 65_535)
      throw new MllpConfigError(`${where}: port must be 0 to 65535`);
    config.port = o.port;
  }
  if (o.tls !== undefined) {
    const t = object(o.tls, `${where}: tls`);
    only(t, ["certFile", "keyFile", "caFile"], `${where}: tls`);
    const file = (k: string, required: boolean) => {
      const p = t[k];
      if (p === undefined && !required) return undefined;
      if (typeof p !== "string") throw new MllpConfigError(`${where}: tls.${k} must be a file path`);
      try {
        return readFileSync(resolve(baseDir, p));
      } catch (cause) {
        throw new MllpConfigError(`${where}: cannot read tls.${k} ${p}: ${(cause as Error).message}`);
      }
    };
    config.tls = {
      cert: file("certFile", true) as Buffer,
      key: file("keyFile", true) as Buffer,
      ca: file("caFile", false),
    };
  }
  if (o.limits !== undefined) {
    const l = object(o.limits, `${where}: limits`);
    const keys = Object.keys(DEFAULT_LIMITS);
    only(l, keys, `${where}: limits`);
    config.limits = {};
    for (const k of keys) {
      const n = positive(l[k], `${where}: limits.${k}`);
      if (n !== undefined) config.limits[k as keyof MllpLimits] = n;
    }
  }
  if (o.sources !== undefined) {
    if (!Array.isArray(o.sources)) throw new MllpConfigError(`${where}: sources must be a list`);
    const names = new Set<string>();
    config.sources = o.sources.map((raw, i) => {
      const at = `${where}: sources[${i}]`;
      const s = object(raw, at);
      only(
        s,
        ["name", "addresses", "sendingApplications", "sendingFacilities", "certificateNames", "trustMerges"],
        at,
      );
      if (typeof s.name !== "string" || s.name.trim() === "")
        throw new MllpConfigError(`${at}: name is required`);
      const name = s.name.trim();
      if (names.has(name)) throw new MllpConfigError(`${at}: a second source named ${name}`);
      names.add(name);
      const addresses = strings(s.addresses, `${at}.addresses`);
      if (addresses.length === 0)
        throw new MllpConfigError(`${at}: addresses must name at least one address`);
      if (s.trustMerges !== undefined && typeof s.trustMerges !== "boolean")
        throw new MllpConfigError(`${at}: trustMerges must be true or false`);
      const source: MllpSource = {
        name,
        addresses,
        sendingApplications: strings(s.sendingApplications, `${at}.sendingApplications`),
        sendingFacilities: strings(s.sendingFacilities, `${at}.sendingFacilities`),
        certificateNames: strings(s.certificateNames, `${at}.certificateNames`),
        trustMerges: s.trustMerges === true,
      };
      compileSources([source]);
      return source;
    });
  }
  return config;
}

/** Reads the configuration file; a clear error naming the file and the setting when it is wrong. */
export function readMllpConfigFile(path: string): MllpConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new MllpConfigError(`Cannot read the MLLP configuration ${path}: ${(cause as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MllpConfigError(
      `The MLLP configuration ${path} is not valid JSON: ${(cause as Error).message}`,
    );
  }
  return parseMllpConfig(value, path, dirname(resolve(path)));
}
