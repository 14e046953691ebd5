-- "Who looked at this person?" reads audit_set_member (0892) now; the byte search of packed lists it replaced
-- (audit_set_has, 0881) has no caller left.
DROP FUNCTION audit_set_has(bytea, uuid[]);
