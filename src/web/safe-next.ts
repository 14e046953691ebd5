/** Only a path on this site: never an absolute URL, //host or /\\host, which would be an open redirect. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : "/";
}
