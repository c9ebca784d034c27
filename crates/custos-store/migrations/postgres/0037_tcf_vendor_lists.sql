-- Global Vendor Lists (issue 22): each version of the IAB's list a business uploads (no
-- download at run time), reduced to what custos checks: the vendors and the purposes each
-- declares (JSON), with the uploaded file's digest. TC strings are checked against the version
-- they name; the gate asks what a TCF vendor may do.
CREATE TABLE tcf_vendor_lists (
    vendor_list_version       BIGINT PRIMARY KEY,
    gvl_specification_version BIGINT NOT NULL,
    tcf_policy_version        BIGINT NOT NULL,
    last_updated              TEXT NOT NULL,
    vendors                   TEXT NOT NULL,
    vendor_count              BIGINT NOT NULL,
    file_sha256               TEXT NOT NULL,
    uploaded_at               TEXT NOT NULL
);
