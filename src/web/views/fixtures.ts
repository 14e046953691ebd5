/** An example context for a view, kept beside it (as nhsuk-frontend keeps its components' fixtures). */
export interface ViewFixture {
  /** What the example shows, for the test's name. */
  name: string;
  context: Record<string, unknown>;
}
