-- Vendors and their agreements (issue 20): the third parties that receive customer data, with
-- their role (processor, sub-processor, joint controller, other recipient), where they are
-- established, the purposes and data categories shared with them and the AI systems that send
-- them data (JSON lists), and the agreements that let data flow: a data processing agreement
-- (GDPR Art. 28), a joint-controller arrangement (Art. 26) or a data-sharing agreement, each
-- with its dates, the country the data is processed in and the transfer mechanism (Art. 44-49).
CREATE TABLE vendors (
    vendor_id        TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    country          TEXT NOT NULL,
    processor_id     TEXT,
    gvl_vendor_id    BIGINT,
    purposes         TEXT NOT NULL,
    data_categories  TEXT NOT NULL,
    ai_system_ids    TEXT NOT NULL,
    status           TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE dpas (
    dpa_id             TEXT PRIMARY KEY,
    vendor_id          TEXT NOT NULL REFERENCES vendors (vendor_id),
    kind               TEXT NOT NULL,
    signed_on          TEXT NOT NULL,
    expires_on         TEXT,
    country            TEXT NOT NULL,
    transfer_mechanism TEXT NOT NULL,
    data_categories    TEXT NOT NULL,
    reference          TEXT NOT NULL,
    status             TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX dpas_vendor ON dpas (vendor_id);
