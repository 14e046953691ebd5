/** A governance rule or input problem, with a message a person can act on. */
export class GovernanceError extends Error {
  override readonly name = "GovernanceError";
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
