#!/usr/bin/env python3
"""A third PII evaluation corpus, from Presidio's own evaluation generator: measured, never tuned on.

    python3 -m venv /tmp/pev && /tmp/pev/bin/pip install presidio-evaluator==0.3.2
    /tmp/pev/bin/python testdata/pii/third/make_third.py > testdata/pii/third/third.jsonl

Why it exists: both other corpora were written in this project, by the same hands as the
rules. This one comes from `presidio-evaluator` 0.3.2 (PyPI, MIT licence, Microsoft): its 209
sentence templates, its FakeNameGenerator person records and organization list, and Faker
en_US, through its `PresidioSentenceFaker` (seeded, 5% of names lower-cased, as Presidio's
own evaluation notebooks set it). Its SHA-256 is in docs/BENCHMARKS.md; it was generated and
measured after the first rules of 2026-12-05, measured again at the end of that day, and is
not to be tuned against.
Nothing in the gazetteers or any model may be derived from it.

Labels: the generator's types mapped to this project's (GPE -> LOCATION, DOMAIN_NAME -> URL);
types the engine does not report (STREET_ADDRESS, TITLE, AGE, ZIP_CODE) go to `ignore`:
`score_third.py` drops predictions overlapping them, so a town inside a full street address
counts neither way. Record format otherwise as corpus.jsonl.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys

import numpy as np
from presidio_evaluator.data_generator import PresidioSentenceFaker

SEED = 4242
N = 1500
MAP = {"GPE": "LOCATION", "DOMAIN_NAME": "URL"}
IGNORED = {"STREET_ADDRESS", "TITLE", "AGE", "ZIP_CODE"}


def main() -> None:
    random.seed(SEED)
    np.random.seed(SEED)
    with contextlib.redirect_stdout(sys.stderr):  # the generator prints progress notes
        faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=SEED)
        samples = faker.generate_new_fake_sentences(num_samples=N)
    for i, s in enumerate(samples):
        spans, ignore = [], []
        for sp in s.spans:
            t = MAP.get(sp.entity_type, sp.entity_type)
            rec = {"type": t, "start": sp.start_position, "end": sp.end_position}
            (ignore if t in IGNORED else spans).append(rec)
        out = {"id": f"x-{i:05d}", "lang": "en", "locale": "en_US", "tpl": f"pe-{s.template_id}", "text": s.full_text,
               "spans": spans, "neg": [], "ignore": ignore}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
