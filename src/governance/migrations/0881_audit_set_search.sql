-- "Who looked at this person" must look inside every packed list (a register of 10,000 is 160 kB of ids).
-- audit_set_contains (0220) compares each 16-byte slot in SQL and costs about 0.1 s per list; this finds the id
-- with position(), the server's own byte search, and accepts a hit only on a 16-byte boundary (an id spanning
-- two slots is a coincidence of random bytes, but is still checked for). Same answers, hundreds of times faster.
CREATE FUNCTION audit_set_has(packed bytea, ids uuid[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  id uuid;
  needle bytea;
  found_at integer;
  offset_bytes integer;
BEGIN
  IF packed IS NULL OR ids IS NULL THEN
    RETURN false;
  END IF;
  FOREACH id IN ARRAY ids LOOP
    needle := uuid_send(id);
    offset_bytes := 0;
    found_at := position(needle IN packed);
    WHILE found_at > 0 LOOP
      IF (offset_bytes + found_at - 1) % 16 = 0 THEN
        RETURN true;
      END IF;
      offset_bytes := offset_bytes + found_at;
      found_at := position(needle IN substring(packed FROM offset_bytes + 1));
    END LOOP;
  END LOOP;
  RETURN false;
END;
$$;
