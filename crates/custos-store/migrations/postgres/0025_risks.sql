-- The risk register (issue 19): risks per AI system (none: the business as a whole), scored
-- on 1-5 likelihood and impact before and after mitigation, with an owner, mitigations (a JSON
-- list, each linked to a control or an action with a due date), a review date and the alert or
-- incident it was raised from (one risk per source).
CREATE TABLE risks (
    risk_id             TEXT PRIMARY KEY,
    ai_system_id        TEXT,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    category            TEXT NOT NULL,
    likelihood          BIGINT NOT NULL,
    impact              BIGINT NOT NULL,
    inherent_score      BIGINT NOT NULL,
    residual_likelihood BIGINT,
    residual_impact     BIGINT,
    owner               TEXT NOT NULL,
    mitigations         TEXT NOT NULL,
    status              TEXT NOT NULL,
    review_on           TEXT NOT NULL,
    raised_from         TEXT,
    raised_from_id      TEXT,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX risks_ai_system ON risks (ai_system_id);
CREATE INDEX risks_review ON risks (status, review_on);
CREATE UNIQUE INDEX risks_raised_from ON risks (raised_from, raised_from_id) WHERE raised_from IS NOT NULL;
