// Request schemas shared by more than one route plugin.

/** A UUID as person ids are written; anything else is a 400 before any lookup. */
export const UUID_PATTERN =
  "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$";

/** Forms and scripts send the CSRF token in the body as _csrf; the auth plugin checks it. */
export const csrfField = { _csrf: { type: "string", maxLength: 100 } } as const;
