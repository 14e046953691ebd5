-- Information governance: roles (as data), teams, users and their role-in-team assignments, sessions and
-- API tokens. Small tables: under Citus they are reference tables (create_reference_table), except
-- user_session and api_token, which are written often and stay on the coordinator (citus local tables).

-- What each role may do with personal data. The access decision (src/governance/policy.ts) reads these
-- columns; it never tests a role's name. docs/governance.md describes them in words.
CREATE TABLE app_role (
  role_code          text PRIMARY KEY,
  name               text NOT NULL,
  description        text NOT NULL,
  -- The purposes of use a person holding this role may act under.
  purposes           text[] NOT NULL CHECK (purposes <@ ARRAY['direct-care', 'commissioning', 'administration']),
  -- How the role may see people:
  --   relationship   identifiable records of people with whom the user has a legitimate relationship
  --   pseudonymised  pseudonymised rows only (no identifiers), people with an opt-out or objection excluded
  --   aggregate      counts only, small numbers suppressed; never a person-level row
  --   identity-admin demographics only (identity matching), never the clinical record
  --   none           no personal data at all
  access_basis       text NOT NULL CHECK (access_basis IN ('relationship', 'pseudonymised', 'aggregate', 'identity-admin', 'none')),
  -- For access_basis = relationship: which relationships count for this role.
  relationship_kinds text[] NOT NULL DEFAULT '{}'
                     CHECK (relationship_kinds <@ ARRAY['registered', 'caseload', 'care-team', 'referral', 'admission']),
  -- Person-level actions the role may take at all (a relationship or basis is still needed).
  actions            text[] NOT NULL DEFAULT '{}'
                     CHECK (actions <@ ARRAY['view', 'search', 'list', 'export', 'change']),
  may_break_glass    boolean NOT NULL DEFAULT false,
  may_manage_users   boolean NOT NULL DEFAULT false,
  may_read_audit     boolean NOT NULL DEFAULT false
);

INSERT INTO app_role (role_code, name, description, purposes, access_basis, relationship_kinds, actions, may_break_glass, may_manage_users, may_read_audit) VALUES
  ('gp', 'GP', 'General practitioner: leads the practice MDT and the care of the practice''s registered patients.',
   '{direct-care}', 'relationship', '{registered,caseload,care-team,referral}', '{view,search,list,export,change}', true, false, false),
  ('practice-mdt-coordinator', 'Practice MDT coordinator', 'Prepares the practice''s MDT meetings from the risk register and records their decisions.',
   '{direct-care}', 'relationship', '{registered,caseload,care-team,referral}', '{view,search,list,export,change}', false, false, false),
  ('community-clinician', 'Community clinician', 'Community nurse, matron or therapist in a community health service.',
   '{direct-care}', 'relationship', '{caseload,care-team,referral}', '{view,search,list,change}', true, false, false),
  ('mental-health-clinician', 'Mental health clinician', 'Clinician in a mental health service.',
   '{direct-care}', 'relationship', '{caseload,care-team,referral}', '{view,search,list,change}', true, false, false),
  ('social-worker', 'Social worker', 'Adult social care social worker.',
   '{direct-care}', 'relationship', '{caseload,care-team,referral}', '{view,search,list,change}', true, false, false),
  ('reablement-worker', 'Reablement worker', 'Member of the reablement team supporting people at home after illness or a hospital stay.',
   '{direct-care}', 'relationship', '{caseload,care-team,referral}', '{view,search,list,change}', false, false, false),
  ('local-area-coordinator', 'Local Area Coordinator', 'Social prescribing: connects people to community and voluntary support.',
   '{direct-care}', 'relationship', '{caseload,referral}', '{view,search,list,change}', false, false, false),
  ('hospital-discharge-team', 'Hospital discharge team', 'Hospital and social care staff who plan discharges and follow people home.',
   '{direct-care}', 'relationship', '{admission,caseload,care-team,referral}', '{view,search,list,change}', true, false, false),
  ('commissioner-analyst', 'Commissioner or analyst', 'Plans and evaluates services from pseudonymised data.',
   '{commissioning}', 'pseudonymised', '{}', '{search,list,export}', false, false, false),
  ('finance-programme-lead', 'Finance and programme lead', 'Runs the Better Care Fund plan and pooled budget: aggregate figures only.',
   '{commissioning}', 'aggregate', '{}', '{}', false, false, false),
  ('hwb-board-member', 'Health and Wellbeing Board member', 'Reads the quarterly board report: aggregate figures only.',
   '{commissioning}', 'aggregate', '{}', '{}', false, false, false),
  ('integration-engineer', 'Integration engineer', 'Connects feeds and resolves identity matches: demographics only, never the care record.',
   '{administration}', 'identity-admin', '{}', '{view,search,change}', false, false, false),
  ('ig-officer', 'Information governance officer', 'Reviews the audit trail and every break-glass access.',
   '{administration}', 'none', '{}', '{}', false, false, true),
  ('administrator', 'Administrator', 'Manages user accounts, roles and teams: no access to personal data.',
   '{administration}', 'none', '{}', '{}', false, true, false);

-- Practices, locality MDTs, provider services and the place's own teams. org_code names the organisation
-- the team belongs to (a practice code, a trust code, the council); it is what objections and registration
-- are compared with. Not a foreign key: teams may be set up before the reference data is loaded.
CREATE TABLE team (
  team_id            uuid PRIMARY KEY,
  team_code          text NOT NULL UNIQUE CHECK (team_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name               text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('practice', 'locality-mdt', 'provider-service', 'commissioning', 'corporate')),
  org_code           text,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
  user_id            uuid PRIMARY KEY,
  username           text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._@-]{1,99}$'),
  display_name       text NOT NULL,
  -- active: may sign in; locked: an administrator locked the account; disabled: left the organisation.
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked', 'disabled')),
  password_hash      text,                 -- null for accounts that sign in only through OpenID Connect
  failed_logins      integer NOT NULL DEFAULT 0,
  locked_until       timestamptz,          -- set by repeated failed sign-ins
  oidc_issuer        text,
  oidc_subject       text,
  password_changed_at timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (oidc_issuer, oidc_subject)
);

-- A user holds a role in a team; several roles in several teams.
CREATE TABLE user_role (
  user_id            uuid NOT NULL REFERENCES app_user (user_id),
  role_code          text NOT NULL REFERENCES app_role (role_code),
  team_id            uuid NOT NULL REFERENCES team (team_id),
  granted_at         timestamptz NOT NULL DEFAULT now(),
  granted_by         text NOT NULL,
  PRIMARY KEY (user_id, role_code, team_id)
);

-- Server-side sessions. Only a SHA-256 of the cookie's token is stored, so a copy of this table cannot be
-- replayed as a session. The session acts in one role in one team, for one purpose, at a time.
CREATE TABLE user_session (
  session_id         uuid PRIMARY KEY,
  token_hash         text NOT NULL UNIQUE,
  user_id            uuid NOT NULL REFERENCES app_user (user_id),
  role_code          text NOT NULL,
  team_id            uuid NOT NULL,
  purpose            text NOT NULL,
  auth_method        text NOT NULL CHECK (auth_method IN ('password', 'oidc')),
  client_address     text,
  created_at         timestamptz NOT NULL,
  last_seen_at       timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL
);
CREATE INDEX user_session_user_idx ON user_session (user_id);

-- Bearer tokens for systems using the API; shown once when created, stored as a SHA-256.
CREATE TABLE api_token (
  token_id           uuid PRIMARY KEY,
  token_hash         text NOT NULL UNIQUE,
  name               text NOT NULL,
  user_id            uuid NOT NULL REFERENCES app_user (user_id),
  role_code          text NOT NULL,
  team_id            uuid NOT NULL,
  purpose            text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  revoked_at         timestamptz,
  last_used_at       timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

-- An OpenID Connect sign-in in progress: state, nonce and PKCE verifier, for a few minutes.
CREATE TABLE oidc_login_flow (
  state_hash         text PRIMARY KEY,
  code_verifier      text NOT NULL,
  nonce              text NOT NULL,
  expires_at         timestamptz NOT NULL
);
