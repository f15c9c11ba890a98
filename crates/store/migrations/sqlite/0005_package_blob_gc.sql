-- Garbage collection of package blobs (packages/<sha256>.zip, shared by every version with the
-- same content). A row is a blob that may have lost its last reference: it is touched when a
-- version row naming it is removed or replaced, and when an upload is about to write it. The
-- purge deletes a blob only once its row has gone untouched for the grace period and no
-- version references it; claimed_at marks a purge deleting it right now (uploads of the same
-- content wait, and new references to it are refused).
CREATE TABLE package_blob_gc (
    package_sha256 TEXT PRIMARY KEY,
    touched_at     INTEGER NOT NULL,
    claimed_at     INTEGER
);
CREATE INDEX package_blob_gc_by_touch ON package_blob_gc (touched_at);

-- The purge counts a blob's references by digest.
CREATE INDEX develop_versions_by_package ON develop_versions (package_sha256);
CREATE INDEX trial_versions_by_package ON trial_versions (package_sha256);
