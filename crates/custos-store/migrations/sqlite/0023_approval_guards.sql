-- Two-person sign-off, enforced by the database as well as the service: one sign-off per person
-- per request, one approval per role per request (concurrent sign-offs cannot both land).
CREATE UNIQUE INDEX approval_entries_one_per_person ON approval_entries (approval_id, staff_id) WHERE kind <> 'comment';
CREATE UNIQUE INDEX approval_entries_one_per_role ON approval_entries (approval_id, role) WHERE kind = 'approve';
