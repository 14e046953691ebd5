// SQL fragments the shipped definitions are written with. They are expanded when a definition is built, so
// the stored definition is plain SQL that reads the same in the database as in review.

/** The English calendar day of a timestamptz. */
export function londonDate(ts: string): string {
  return `((${ts}) AT TIME ZONE 'Europe/London')::date`;
}

/** The start of an English day (a date expression) as a timestamptz. */
export function dayStart(date: string): string {
  return `((${date})::timestamp AT TIME ZONE 'Europe/London')`;
}

/**
 * The practice a person was registered with on a day, or null when they were not registered in the place
 * (before they arrived, after they moved away or died). The latest registration wins if two overlap.
 */
export function practiceOn(person: string, date: string): string {
  return `(SELECT r.practice_code FROM registration r
      WHERE r.person_id = ${person} AND r.registered_on <= ${date}
        AND (r.deregistered_on IS NULL OR r.deregistered_on > ${date})
      ORDER BY r.registered_on DESC, r.registration_id DESC LIMIT 1)`;
}

/** True when someone born on `birth` is at least `years` old on `date` (29 February birthdays: 1 March). */
export function agedAtLeast(birth: string, date: string, years: number): string {
  return `${birth} <= ((${date}) - interval '${years} years')::date`;
}

export function diedBy(person: string, date: string): string {
  return `EXISTS (SELECT 1 FROM death d WHERE d.person_id = ${person} AND d.died_on <= ${date})`;
}

/** A joint health and social care plan in place on the day. */
export function jointPlanOn(person: string, date: string): string {
  return `EXISTS (SELECT 1 FROM care_plan cp WHERE cp.person_id = ${person}
      AND cp.plan_type = 'joint-health-social' AND cp.started_on <= ${date}
      AND (cp.ended_on IS NULL OR cp.ended_on >= ${date}))`;
}

/**
 * The registered, living population aged minAge or over on each period's ref_date: the engine's population
 * table (see population.ts), counts or one row a person.
 */
export function registeredPopulation(minAge: number): string {
  return `SELECT p.period_id, pop.person_id, pop.practice_code, pop.n, NULL::text AS split
    FROM periods p JOIN population pop ON pop.ref_date = p.ref_date
    ${minAge > 0 ? `WHERE pop.age >= ${minAge}` : ""}`;
}
