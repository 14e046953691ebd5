-- The IG officer's review of a break-glass access records an outcome as well as a note, so the reviewed
-- accesses can be counted by outcome and the inappropriate ones followed up. Older reviews (made at the
-- command line, note only) keep a null outcome.
ALTER TABLE break_glass ADD COLUMN review_outcome text
  CHECK (review_outcome IS NULL OR review_outcome IN ('appropriate', 'not-appropriate', 'follow-up'));

-- The reviewed accesses, newest review first, a page at a time.
CREATE INDEX break_glass_reviewed_idx ON break_glass (reviewed_at DESC) WHERE reviewed_at IS NOT NULL;
