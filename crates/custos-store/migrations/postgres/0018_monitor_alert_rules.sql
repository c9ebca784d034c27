-- Alert rules of a monitor (issue 17): conditions over its figures (an input's PSI or
-- Wasserstein distance, the number of drifted inputs, a performance figure or its interval),
-- as a JSON array; each fires and resolves its own alert in the one alert store.
ALTER TABLE monitors ADD COLUMN alert_rules TEXT NOT NULL DEFAULT '[]';
