-- Human release review (clauses 2.4–2.6, wechat-api.md §7.3–7.4): the organisations entrusted
-- with review (the platform's own team and third parties), their reviewers (platform accounts),
-- which queued review is with whom, and the published catalogue of
-- common rejection reasons.
CREATE TABLE review_orgs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    -- 1 for the platform's own review team (exactly one, seeded below).
    is_platform INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
INSERT INTO review_orgs (name, name_key, is_platform, active, created_at)
VALUES ('Miniplat review team', 'miniplat review team', 1, 1, 0);

-- A reviewer belongs to one organisation.
CREATE TABLE reviewers (
    developer_id INTEGER PRIMARY KEY REFERENCES developers(id),
    org_id       INTEGER NOT NULL REFERENCES review_orgs(id),
    active       INTEGER NOT NULL,
    added_by     INTEGER NOT NULL REFERENCES developers(id),
    added_at     INTEGER NOT NULL
);
CREATE INDEX reviewers_by_org ON reviewers (org_id);

-- At most one assignment per review (the primary key makes "claim next" race-free): to an
-- organisation's pool (reviewer_id NULL) or to one of its reviewers.
CREATE TABLE review_assignments (
    review_id   INTEGER PRIMARY KEY REFERENCES reviews(id),
    org_id      INTEGER NOT NULL REFERENCES review_orgs(id),
    reviewer_id INTEGER REFERENCES developers(id),
    assigned_at INTEGER NOT NULL,
    assigned_by INTEGER NOT NULL REFERENCES developers(id)
);
CREATE INDEX review_assignments_by_reviewer ON review_assignments (reviewer_id, review_id);

CREATE TABLE rejection_reasons (
    code        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The clause of the platform rules it relates to, e.g. "2.5".
    clause      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The default catalogue of common rejection reasons (clause 2.5); operators edit it.
INSERT INTO rejection_reasons (code, title, description, clause, position, updated_at) VALUES
('R-1.1', 'Incomplete functionality', 'The mini program is unfinished: pages are empty, features do not work, or placeholder content is shown. Submit a version whose declared features all work.', '2.4', 1, 0),
('R-1.2', 'Crashes or does not start', 'The mini program crashed, hung or showed a blank screen during review. Test it on the trial version before submitting.', '2.4', 2, 0),
('R-1.3', 'Serious defects in use', 'Buttons, navigation or forms do not respond, or the layout is broken so that the mini program cannot be used.', '2.4', 3, 0),
('R-2.1', 'Missing privacy guide', 'The mini program processes personal data but its privacy guide does not declare it, or no guide is set. Declare every use in the privacy settings.', '2.4', 4, 0),
('R-2.2', 'Personal data without need or consent', 'The mini program asks for personal data that its features do not need, or before the user agrees to the privacy guide.', '2.4', 5, 0),
('R-3.1', 'Content violates the rules', 'The mini program shows illegal, harmful, vulgar or infringing content, or content forbidden by the platform rules.', '2.5', 6, 0),
('R-3.2', 'User-generated content without moderation', 'Users can publish content but the mini program has no moderation, reporting or handling mechanism.', '2.5', 7, 0),
('R-4.1', 'Category mismatch', 'The features or content do not match the service categories the mini program declared. Add the right category or change the features.', '2.5', 8, 0),
('R-4.2', 'Qualification missing', 'The declared category requires qualification documents (licences, permits) that were not provided or have expired.', '2.5', 9, 0),
('R-5.1', 'Login required without a test account', 'Reviewers cannot get past a login or registration step. Provide a test account and its password in the version notes.', '2.5', 10, 0),
('R-5.2', 'Submission does not describe the pages', 'The pages, tags or version notes submitted do not describe what the reviewer sees. Describe the main pages and how to reach them.', '2.5', 11, 0),
('R-6.1', 'Misleading name or description', 'The name, icon or introduction is misleading, imitates another brand, or does not match what the mini program does.', '2.4', 12, 0),
('R-6.2', 'Induced sharing or following', 'The mini program rewards, forces or tricks users into sharing, following or inviting others.', '2.4', 13, 0),
('R-7.1', 'Security risk', 'The mini program loads remote code, leaks data, links to malicious sites or otherwise endangers users.', '2.4', 14, 0),
('R-7.2', 'Unauthorised payments or virtual goods', 'The mini program sells goods, services or virtual items in a way its category or qualifications do not allow.', '2.5', 15, 0);
