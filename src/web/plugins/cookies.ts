// Cookies without a dependency: parse the Cookie header strictly, write Set-Cookie with safe attributes.

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header || header.length > 8_192) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name) && /^[A-Za-z0-9_.~-]*$/.test(value)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieNames {
  session: string;
  loginCsrf: string;
  oidcState: string;
}

/** With Secure cookies the __Host- prefix also pins them to this host and path /. */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? "__Host-" : "";
  return {
    session: `${prefix}oneplace_session`,
    loginCsrf: `${prefix}oneplace_login`,
    oidcState: `${prefix}oneplace_oidc`,
  };
}

export function setCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeSeconds: number; sameSite: "Lax" | "Strict" },
): string {
  const parts = [
    `${name}=${value}`,
    "Path=/",
    "HttpOnly",
    `SameSite=${options.sameSite}`,
    `Max-Age=${options.maxAgeSeconds}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, "", { secure, maxAgeSeconds: 0, sameSite: "Lax" });
}
