-- The directory of services seeded with the schemes of the place's Better Care Fund plan (Thurrock BCF plan,
-- 2014: "Rapid Response Assessment Service and Reablement", "Community Bed Provision", telecare "embedded in all
-- joint assessments", "Empowering citizens ... local area coordinators", "Voluntary Services", "Hospital Social
-- Care Team") and the transformation plan's care coordination model. Each names the team that receives its
-- referrals in OnePlace; where that team has no account yet, the directory says how to refer outside OnePlace.
-- Administrators change the directory with 'oneplace care services import FILE.csv'; these rows are then
-- updated like any other (source says where each row last came from).
INSERT INTO care_service (service_code, name, provider, description, team_code, min_age, max_age, efi_categories,
  risk_tiers, localities, hours, response_time, response_days, how_to_refer, kind, bcf_scheme, source, updated_at)
VALUES
  ('rapid-response', 'Rapid Response and Assessment Service (RRAS)', 'Community health services with the council',
   'Urgent assessment and short-term care at home to avoid an admission to hospital: nursing, therapy and care within hours.',
   'intermediate-care', 18, NULL, '{}', '{}', '{}', '8am to 10pm, 7 days a week', 'Within 2 hours for urgent referrals',
   0, 'Refer through OnePlace, then telephone the RRAS coordinator for an urgent response.', 'rapid-response',
   'Rapid Response Assessment Service and Reablement', 'seed', now()),
  ('reablement', 'Joint Reablement Team (JRT)', 'Thurrock Council with community health services',
   'Up to six weeks of support at home to regain independence after illness or a hospital stay; followed up 91 days after discharge.',
   'reablement', 18, NULL, '{}', '{}', '{}', '7am to 10pm, 7 days a week', 'First visit within 24 hours of discharge',
   1, 'Refer through OnePlace with the person''s consent; hospital discharges by the integrated discharge team.',
   'reablement', 'Rapid Response Assessment Service and Reablement', 'seed', now()),
  ('intermediate-care-beds', 'Intermediate care and rehabilitation beds', 'Community health services',
   'A short stay in a community bed (Collins House, Mountnessing Court, Elizabeth Gardens) for rehabilitation when care at home is not yet safe.',
   'intermediate-care', 18, NULL, '{moderate,severe}', '{}', '{}', '24 hours', 'A decision within 1 working day',
   1, 'Refer through OnePlace after a rapid response or hospital assessment.', 'intermediate-care',
   'Community Bed Provision', 'seed', now()),
  ('telecare', 'Telecare and assistive technology', 'Thurrock Council',
   'Alarms, sensors and monitoring at home, offered in every joint assessment; installation and a 24-hour response.',
   'adult-social-care', 18, NULL, '{}', '{}', '{}', 'Installations Monday to Friday; monitoring 24 hours',
   'Installation within 5 working days', 5, 'Refer through OnePlace; urgent installations by telephone to adult social care.',
   'telecare', 'Empowering citizens', 'seed', now()),
  ('local-area-coordination', 'Local Area Coordinators', 'Thurrock Council',
   'A named coordinator in the neighbourhood who helps people find local, informal support and build their own network.',
   'local-area-coordination', 18, NULL, '{}', '{}', '{}', 'Monday to Friday, 9am to 5pm', 'Contact within 5 working days',
   5, 'Refer through OnePlace, or the person can contact their coordinator themselves.', 'local-area-coordination',
   'Empowering citizens', 'seed', now()),
  ('voluntary-services', 'Voluntary and community services (Thurrock CVS)', 'Thurrock Council for Voluntary Service',
   'Befriending, transport, shopping and lunch clubs from local voluntary organisations, including Age UK''s digital befriending.',
   'thurrock-cvs', 18, NULL, '{}', '{}', '{}', 'Monday to Friday, 9am to 5pm', 'Contact within 10 working days',
   10, 'Telephone or email Thurrock CVS with the person''s consent (not yet referable through OnePlace).', 'voluntary',
   'Voluntary Services', 'seed', now()),
  ('social-care-assessment', 'Adult social care assessment', 'Thurrock Council',
   'A Care Act assessment of needs (and a carer''s assessment), leading to support at home, a direct payment or a placement.',
   'adult-social-care', 18, NULL, '{}', '{}', '{}', 'Monday to Friday, 9am to 5pm', 'Contact within 5 working days',
   5, 'Refer through OnePlace with the person''s consent.', 'social-care', 'Protection of Social Care', 'seed', now()),
  ('falls-service', 'Community therapies and falls service', 'Community health services',
   'Falls risk assessment, strength and balance, equipment and home adaptations for people who have fallen or are frail.',
   'community-therapies', 65, NULL, '{mild,moderate,severe}', '{}', '{}', 'Monday to Friday, 8am to 6pm',
   'Contact within 10 working days', 10, 'Refer through OnePlace.', 'community-health', NULL, 'seed', now()),
  ('community-nursing', 'Community nursing and community matrons', 'Community health services',
   'District nursing and case management by community matrons for people with complex long-term conditions at home.',
   'community-nursing', 18, NULL, '{}', '{very-high,high}', '{}', '8am to 10pm, 7 days a week',
   'Within 2 working days; same day when urgent', 2, 'Refer through OnePlace.', 'community-health', NULL, 'seed', now())
ON CONFLICT (service_code) DO NOTHING;
