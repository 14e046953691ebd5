// Building blocks for governance tests and benchmarks: organisations, teams, users in roles, people and
// their relationships, inserted directly (synthetic values only).
import { randomUUID } from "node:crypto";
import type { AuthConfig } from "../../src/governance/auth-config.ts";
import { sealBreakGlass } from "../../src/governance/break-glass-seal.ts";
import { loadUserInRole } from "../../src/governance/roles.ts";
import type { Operator } from "../../src/governance/security-events.ts";
import type { AccessContext, Purpose } from "../../src/governance/types.ts";
import { assignRole, createTeam, createUser } from "../../src/governance/users.ts";
import { type Queryable, withNhsNumberRoutes } from "../../src/store/index.ts";

export const TEST_OPERATOR: Operator = { userId: null, name: "cli:test", channel: "test" };

export const ORGS = {
  locality: "ZZL01",
  practice: "Z90001",
  otherPractice: "Z90002",
  acute: "ZZA01",
  community: "ZZC01",
  mentalHealth: "ZZM01",
  council: "ZZS01",
  ccg: "ZZG01",
} as const;

export async function insertOrganisations(db: Queryable): Promise<void> {
  await db.exec(`
    INSERT INTO organisation (org_code, name, kind, source_system) VALUES
      ('ZZL01', 'Grays locality', 'locality', 'test'),
      ('ZZA01', 'Synthetic acute trust', 'acute', 'test'),
      ('ZZC01', 'Synthetic community trust', 'community', 'test'),
      ('ZZM01', 'Synthetic mental health trust', 'mental-health', 'test'),
      ('ZZS01', 'Synthetic council', 'council', 'test'),
      ('ZZG01', 'Synthetic CCG', 'ccg', 'test');
    INSERT INTO organisation (org_code, name, kind, parent_code, source_system) VALUES
      ('Z90001', 'Riverside (synthetic)', 'practice', 'ZZL01', 'test'),
      ('Z90002', 'Hillside (synthetic)', 'practice', 'ZZL01', 'test');
    INSERT INTO area (area_code, name, locality_code, imd_decile, source_system) VALUES
      ('ZA0001', 'Area one', 'ZZL01', 2, 'test'),
      ('ZA0002', 'Area two', 'ZZL01', 7, 'test');
  `);
}

/** One team per kind of service the matrix needs; returns team codes by key. */
export const TEAMS = {
  practice: {
    teamCode: "riverside-practice",
    name: "Riverside practice",
    kind: "practice",
    orgCode: ORGS.practice,
  },
  community: {
    teamCode: "district-nursing",
    name: "District nursing",
    kind: "provider-service",
    orgCode: ORGS.community,
  },
  mentalHealth: {
    teamCode: "cmht",
    name: "Community mental health team",
    kind: "provider-service",
    orgCode: ORGS.mentalHealth,
  },
  socialCare: {
    teamCode: "adult-social-care",
    name: "Adult social care",
    kind: "provider-service",
    orgCode: ORGS.council,
  },
  reablement: { teamCode: "reablement", name: "Reablement", kind: "provider-service", orgCode: ORGS.council },
  lac: {
    teamCode: "local-area-coordination",
    name: "Local Area Coordination",
    kind: "provider-service",
    orgCode: ORGS.council,
  },
  discharge: {
    teamCode: "discharge",
    name: "Integrated discharge team",
    kind: "provider-service",
    orgCode: ORGS.acute,
  },
  commissioning: {
    teamCode: "commissioning",
    name: "Commissioning",
    kind: "commissioning",
    orgCode: ORGS.ccg,
  },
  service: {
    teamCode: "oneplace-service",
    name: "OnePlace service",
    kind: "corporate",
    orgCode: ORGS.council,
  },
} as const;

export type TeamKey = keyof typeof TEAMS;

export async function createTeams(db: Queryable): Promise<Record<TeamKey, string>> {
  const ids = {} as Record<TeamKey, string>;
  for (const [key, team] of Object.entries(TEAMS) as [TeamKey, (typeof TEAMS)[TeamKey]][]) {
    ids[key] = (await createTeam(db, TEST_OPERATOR, team)).teamId;
  }
  return ids;
}

export async function createUserInRole(
  db: Queryable,
  username: string,
  roleCode: string,
  teamKey: TeamKey,
  password: string | null = null,
): Promise<string> {
  const { userId } = await createUser(db, TEST_OPERATOR, { username, displayName: username, password });
  await assignRole(db, TEST_OPERATOR, username, roleCode, TEAMS[teamKey].teamCode);
  return userId;
}

/** A user a test signs in as: username, role, the team holding it, and a password for password sign-in. */
export type TestUser = readonly [username: string, roleCode: string, teamKey: TeamKey, password?: string];

/** The start of most governance tests: the organisations, every test team, and these users in their roles. */
export async function seedUsers(db: Queryable, users: readonly TestUser[]): Promise<string[]> {
  await insertOrganisations(db);
  await createTeams(db);
  const userIds: string[] = [];
  for (const [username, roleCode, teamKey, password] of users) {
    userIds.push(await createUserInRole(db, username, roleCode, teamKey, password));
  }
  return userIds;
}

/** Sign-in settings for tests: five tries, 15 minutes locked, 30 idle, 12 hours at most, no OpenID Connect. */
export function testAuthConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    maxFailedLogins: 5,
    lockoutMinutes: 15,
    sessionIdleMinutes: 30,
    sessionMaxHours: 12,
    loginAttemptsPerMinute: 10,
    cookieSecure: true,
    oidc: null,
    ...overrides,
  };
}

export async function contextFor(
  db: Queryable,
  username: string,
  roleCode: string,
  teamKey: TeamKey,
  purpose: Purpose,
  extra: Partial<AccessContext> = {},
): Promise<AccessContext> {
  const found = await loadUserInRole(db, username, roleCode, TEAMS[teamKey].teamCode);
  if (!found) throw new Error(`${username} does not hold ${roleCode} in ${teamKey}`);
  return { db, ...found, purpose, origin: { channel: "test" }, ...extra };
}

export interface TestPerson {
  personId: string;
  nhsNumber: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: "female" | "male";
  postcode: string;
  areaCode: string | null;
}

let nhsCounter = 0;
/** A valid test-range NHS Number (999 range, Modulus 11). */
export function nextNhsNumber(): string {
  for (;;) {
    const first9 = String(999_000_000 + (nhsCounter++ % 999_999)).padStart(9, "0");
    const sum = [...first9].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${first9}${check === 11 ? 0 : check}`;
  }
}

export function makePerson(overrides: Partial<TestPerson> = {}): TestPerson {
  return {
    personId: randomUUID(),
    nhsNumber: nextNhsNumber(),
    familyName: "Testperson",
    givenName: "Ada",
    birthDate: "1938-02-14",
    sex: "female",
    postcode: "RM17 6ZZ",
    areaCode: "ZA0001",
    ...overrides,
  };
}

/** Writes the person's golden record directly, with the route of their NHS Number (as every writer of person). */
export async function insertPerson(db: Queryable, p: TestPerson): Promise<void> {
  await withNhsNumberRoutes(db, [p.personId], () =>
    db.query(
      `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, postcode, area_code,
         source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'test', $9, now())`,
      [
        p.personId,
        p.nhsNumber,
        p.familyName,
        p.givenName,
        p.birthDate,
        p.sex,
        p.postcode,
        p.areaCode,
        p.personId,
      ],
    ),
  );
}

/** Inserts each person and registers them with a practice (the test practice unless another is named). */
export async function insertRegistered(
  db: Queryable,
  people: readonly TestPerson[],
  practiceCode: string = ORGS.practice,
): Promise<void> {
  for (const p of people) {
    await insertPerson(db, p);
    await register(db, p.personId, practiceCode);
  }
}

/** Every way a person's identity could be written into a log or an export, for tests that search for them. */
export function identifiersOf(p: TestPerson): string[] {
  const [y, m, d] = p.birthDate.split("-");
  const nhs = p.nhsNumber;
  return [
    p.familyName,
    p.givenName,
    nhs,
    `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`,
    p.birthDate,
    `${d}/${m}/${y}`,
    `${y}${m}${d}`,
    p.postcode,
    p.postcode.replace(" ", ""),
  ];
}

/**
 * Inserts one person-scoped row as the 'test' source system sent it: the person ($1), a fresh id, the columns
 * given (SQL expressions over the parameters) and the provenance every source row carries.
 */
async function insertSourceRow(
  db: Queryable,
  table: string,
  idColumn: string,
  params: readonly unknown[],
  columns: Record<string, string>,
): Promise<void> {
  const names = [
    "person_id",
    idColumn,
    ...Object.keys(columns),
    "source_system",
    "source_record_id",
    "received_at",
  ];
  const values = [
    "$1",
    "gen_random_uuid()",
    ...Object.values(columns),
    "'test'",
    "gen_random_uuid()::text",
    "now()",
  ];
  await db.query(`INSERT INTO ${table} (${names.join(", ")}) VALUES (${values.join(", ")})`, [...params]);
}

export async function register(
  db: Queryable,
  personId: string,
  practiceCode: string,
  registeredOn = "2010-01-01",
  deregisteredOn: string | null = null,
): Promise<void> {
  await insertSourceRow(
    db,
    "registration",
    "registration_id",
    [personId, practiceCode, registeredOn, deregisteredOn],
    {
      practice_code: "$2",
      registered_on: "$3",
      deregistered_on: "$4",
      deregistration_reason: "CASE WHEN $4::date IS NULL THEN NULL ELSE 'moved-practice' END",
    },
  );
}

export async function addToCaseload(
  db: Queryable,
  personId: string,
  userId: string,
  teamId: string,
  endedOn: string | null = null,
): Promise<void> {
  await insertSourceRow(db, "caseload_entry", "caseload_entry_id", [personId, userId, teamId, endedOn], {
    user_id: "$2",
    team_id: "$3",
    started_on: "'2015-01-01'",
    ended_on: "$4",
  });
}

export async function addToCareTeam(db: Queryable, personId: string, teamId: string): Promise<void> {
  await insertSourceRow(db, "care_team_member", "membership_id", [personId, teamId], {
    team_id: "$2",
    started_on: "'2015-01-01'",
  });
}

export async function refer(
  db: Queryable,
  personId: string,
  toTeamId: string,
  closedOn: string | null = null,
): Promise<void> {
  await insertSourceRow(db, "referral", "referral_id", [personId, toTeamId, closedOn], {
    to_team_id: "$2",
    service: "'test-service'",
    referred_on: "'2015-06-01'",
    closed_on: "$3",
    outcome: "CASE WHEN $3::date IS NULL THEN NULL ELSE 'completed' END",
  });
}

export async function admit(
  db: Queryable,
  personId: string,
  providerCode: string,
  admittedAt: string,
  dischargedAt: string | null = null,
): Promise<void> {
  await insertSourceRow(
    db,
    "hospital_spell",
    "spell_id",
    [personId, providerCode, admittedAt, dischargedAt],
    {
      provider_code: "$2",
      admitted_at: "$3",
      admission_method: "'emergency'",
      patient_class: "'inpatient'",
      discharged_at: "$4",
      discharge_method: "CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE 'discharged' END",
    },
  );
}

export async function recordObjectionRow(db: Queryable, personId: string, holdingOrg: string): Promise<void> {
  await insertSourceRow(db, "sharing_objection", "objection_id", [personId, holdingOrg], {
    holding_org_code: "$2",
    recorded_on: "'2014-01-01'",
    source: "'GP record'",
  });
}

export async function recordOptOutRow(db: Queryable, personId: string): Promise<void> {
  await insertSourceRow(db, "data_opt_out", "opt_out_id", [personId], {
    recorded_on: "'2014-01-01'",
    source: "'national data opt-out'",
  });
}

/** A grant written straight to the table (as if made earlier), valid for an hour around `at`. */
export async function grantBreakGlassRow(
  db: Queryable,
  personId: string,
  userId: string,
  roleCode: string,
  teamId: string,
  at: Date,
  minutes = 60,
): Promise<void> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO break_glass (person_id, break_glass_id, user_id, role_code, team_id, reason, started_at, expires_at)
     VALUES ($1, gen_random_uuid(), $2, $3, $4, 'Unconscious in A&E, no history available', $5, $6)
     RETURNING break_glass_id::text AS id`,
    [
      personId,
      userId,
      roleCode,
      teamId,
      new Date(at.getTime() - 60_000).toISOString(),
      new Date(at.getTime() + minutes * 60_000).toISOString(),
    ],
  );
  // Sealed into the audit chain as the application does, so `audit verify` still passes.
  await sealBreakGlass(db, row.id, { userId, name: "test" }, at);
}
