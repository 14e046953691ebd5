-- The audit append's hash chain as a function: each row's hash from the one before it, its position and its
-- content, in order (the same bytes as chainHash in src/governance/audit-log.ts). The append statement called
-- itself recursively to do this, and Citus plans no recursive query over its tables (the chain head and the
-- trail are coordinator-local tables in its metadata), so the chain is a loop here instead, one call a batch.
-- contents: each row's canonical content as its UTF-8 bytes in base64, in append order. The previous hash and
-- the position are ASCII, which decode(..., 'escape') turns into the same bytes (neither holds a backslash).
CREATE FUNCTION audit_chain_hashes(head_seq bigint, head_hash text, contents text[])
RETURNS TABLE (ord bigint, seq bigint, prev_hash text, hash text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  seq := head_seq;
  hash := head_hash;
  FOR i IN 1 .. coalesce(array_length(contents, 1), 0) LOOP
    ord := i;
    prev_hash := hash;
    seq := seq + 1;
    hash := encode(sha256(decode(prev_hash || E'\n' || seq::text || E'\n', 'escape')
                          || decode(contents[i], 'base64')), 'hex');
    RETURN NEXT;
  END LOOP;
END
$$;
