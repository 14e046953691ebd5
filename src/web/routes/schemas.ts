// Request schemas shared by more than one route plugin.

/** A UUID as person ids are written; anything else is a 400 before any lookup. */
export const UUID_PATTERN =
  "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$";

/** A text field of at most `maxLength` characters. */
export const textField = (maxLength = 4_000) => ({ type: "string", maxLength }) as const;

/** Forms and scripts send the CSRF token in the body as _csrf; the auth plugin checks it. */
export const csrfField = { _csrf: { type: "string", maxLength: 100 } } as const;

/**
 * A request body, query or params object that takes only the properties named (anything else is a 400),
 * with the required ones listed.
 */
export function closedObject<const P extends Record<string, object>>(
  properties: P,
  required: readonly (keyof P & string)[] = [],
) {
  return {
    type: "object",
    ...(required.length > 0 ? { required } : {}),
    properties,
    additionalProperties: false,
  } as const;
}
