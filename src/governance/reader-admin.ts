// The administrator's reads and acts on accounts: the user directory, one account, the teams, and the
// changes (create an account or a team, assign or remove a role, lock, unlock, reset a password). Only a
// role that may manage users gets any of it; everyone else is refused with an audit row. Looking is audited
// (before the directory is read) like every change is. Account data only: never a person in care.
import { randomBytes } from "node:crypto";
import type { ReaderBase } from "./reader-base.ts";
import { listRoles } from "./roles.ts";
import { type Operator, recordSecurityEvent } from "./security-events.ts";
import type { RolePolicy, Team } from "./types.ts";
import {
  searchUsers,
  type TeamWithMembers,
  teamsWithMembers,
  type UserDetail,
  type UserPage,
  type UserQuery,
  userDetail,
} from "./user-directory.ts";
import {
  assignRole,
  createTeam,
  createUser,
  lockUser,
  removeRole,
  resetPassword,
  unlockUser,
} from "./users.ts";

export interface NewAccount {
  username: string;
  displayName: string;
  /** "password": a random one-time password is made and returned once; "oidc": sign-in through the provider only. */
  signIn: "password" | "oidc";
  roleCode: string;
  teamCode: string;
}

export interface AdminReads {
  /** The user directory, filtered and paged. */
  adminUsers(query: UserQuery): Promise<UserPage>;
  /** One account in full. */
  adminUser(username: string): Promise<UserDetail>;
  /** Every team with its number of members. */
  adminTeams(): Promise<TeamWithMembers[]>;
  /** The roles there are, for the forms. */
  adminRoles(): Promise<RolePolicy[]>;
  /** Creates an account holding one role; returns its one-time password (null for OpenID Connect only). */
  adminCreateUser(account: NewAccount): Promise<{ password: string | null }>;
  adminAssignRole(username: string, roleCode: string, teamCode: string): Promise<void>;
  adminRemoveRole(username: string, roleCode: string, teamCode: string): Promise<void>;
  adminLockUser(username: string): Promise<void>;
  adminUnlockUser(username: string): Promise<void>;
  /** Sets a new random password, ends the account's sessions and returns the password, once. */
  adminResetPassword(username: string): Promise<string>;
  adminCreateTeam(team: {
    teamCode: string;
    name: string;
    kind: string;
    orgCode?: string | null;
  }): Promise<Team>;
}

/** A one-time password for an administrator to hand over: 20 characters, 120 random bits. */
export function oneTimePassword(): string {
  return randomBytes(15).toString("base64url");
}

export function adminReads(base: ReaderBase): AdminReads {
  const { db, ctx: identity } = base;
  const operator: Operator = {
    userId: identity.user.userId,
    name: identity.user.username,
    channel: identity.origin.channel,
    clientAddress: identity.origin.clientAddress ?? null,
  };
  /** Refuses (audited) unless the role manages users. */
  const manager = async (action: "list" | "view" | "change") => {
    const { role } = identity.roleAssignment;
    if (!role.mayManageUsers)
      await base.refuse(action, `the ${role.name} role does not manage user accounts`);
  };
  /** The audit row of a look at account data, written before the look. */
  const looked = (action: string, detail: string) =>
    recordSecurityEvent(db, operator, { action, allowed: true, reason: "account administration", detail });
  return {
    async adminUsers(query) {
      await manager("list");
      await looked("user-list", identity.origin.detail ?? "user directory");
      return searchUsers(db, query, identity.now?.() ?? new Date());
    },
    async adminUser(username) {
      await manager("view");
      await looked("user-view", `user ${username}`);
      return userDetail(db, username, identity.now?.() ?? new Date());
    },
    async adminTeams() {
      // Teams are the organisation's structure, not anyone's account: refused to others, not audited.
      await manager("list");
      return teamsWithMembers(db);
    },
    async adminRoles() {
      await manager("list");
      return listRoles(db);
    },
    async adminCreateUser(account) {
      await manager("change");
      const password = account.signIn === "password" ? oneTimePassword() : null;
      await db.transaction(async (tx) => {
        await createUser(tx, operator, {
          username: account.username,
          displayName: account.displayName,
          password,
        });
        await assignRole(tx, operator, account.username, account.roleCode, account.teamCode);
      });
      return { password };
    },
    async adminAssignRole(username, roleCode, teamCode) {
      await manager("change");
      await assignRole(db, operator, username, roleCode, teamCode);
    },
    async adminRemoveRole(username, roleCode, teamCode) {
      await manager("change");
      const acting = identity.roleAssignment;
      if (
        username === identity.user.username &&
        roleCode === acting.role.roleCode &&
        teamCode === acting.team.teamCode
      ) {
        await base.refuse("change", "an administrator cannot remove the role they are acting in");
      }
      await removeRole(db, operator, username, roleCode, teamCode);
    },
    async adminLockUser(username) {
      await manager("change");
      if (username === identity.user.username) {
        await base.refuse("change", "an administrator cannot lock their own account");
      }
      await lockUser(db, operator, username);
    },
    async adminUnlockUser(username) {
      await manager("change");
      await unlockUser(db, operator, username);
    },
    async adminResetPassword(username) {
      await manager("change");
      const password = oneTimePassword();
      await resetPassword(db, operator, username, password);
      return password;
    },
    async adminCreateTeam(team) {
      await manager("change");
      return createTeam(db, operator, team);
    },
  };
}
