-- An ADT batch decided on rows the MLLP listener already knew (its patients' links and visits' logs as its
-- earlier batches left them, read back with their COMMIT), instead of reading them before its writes, checks in
-- its one round trip, after its locks and before any write, that the rows it would have read are those: else
-- the whole transaction fails with OPB01 and nothing of it is written, and the batch is applied again after a
-- read (src/ingest/hl7/read-cache.ts). `expected` and `actual` are the rows' md5s, sorted.
CREATE FUNCTION ingest_batch_read_unchanged(expected text[], actual text[]) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF expected IS DISTINCT FROM actual THEN
    RAISE EXCEPTION 'the rows this ADT batch was decided on have changed' USING ERRCODE = 'OPB01';
  END IF;
  RETURN true;
END $$;
