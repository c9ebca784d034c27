-- The AI inventory (issue 18): AI systems (use cases) with what they are for, what data they
-- use, the models they run, their role under the AI Act, who they face and a risk tier entered
-- by hand until the impact assessment's classifier fills it. Lists are JSON arrays.
CREATE TABLE ai_systems (
    ai_system_id       TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    description        TEXT NOT NULL,
    business_owner     TEXT NOT NULL,
    purposes           TEXT NOT NULL,
    data_categories    TEXT NOT NULL,
    models             TEXT NOT NULL,
    ai_act_role        TEXT NOT NULL,
    customer_facing    INTEGER NOT NULL,
    direct_interaction INTEGER NOT NULL,
    jurisdictions      TEXT NOT NULL,
    risk_tier          TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX ai_systems_created ON ai_systems (created_at);
