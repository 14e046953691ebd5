-- "Referrals to the team open on a day" is `closed_on IS NULL OR closed_on > day`: the partial index of open
-- referrals answers the first half and this one the second, so a team's home page reads its few open referrals
-- instead of every referral the team ever had (a social care team's thousands).
CREATE INDEX referral_team_closed_idx ON referral (to_team_id, closed_on);
