use super::*;

fn found(text: &str) -> Vec<(String, String, f32)> {
    Analyzer::default()
        .analyze(text, &AnalyzeOptions::default())
        .into_iter()
        .map(|f| (f.entity_type.to_string(), text[f.start..f.end].to_owned(), f.score))
        .collect()
}

fn has(text: &str, entity: &str, value: &str) -> bool {
    found(text).iter().any(|(e, v, _)| e == entity && v == value)
}

#[test]
fn structured_identifiers_are_found_and_validated() {
    assert!(has("Card: 4111 1111 1111 1111, exp 12/27", "CREDIT_CARD", "4111 1111 1111 1111"));
    assert!(has("visa 4111111111111111110 ok", "CREDIT_CARD", "4111111111111111110"));
    assert!(has("mc 2223-0000-4840-0011 ok", "CREDIT_CARD", "2223-0000-4840-0011"));
    assert!(!has("Card: 4111 1111 1111 1112", "CREDIT_CARD", "4111 1111 1111 1112"));
    // Networks beyond the table: Luhn and a card's groups make a card; run together, a
    // context word must say so; no issuer starts with 7-9.
    assert!(has("Paid with 1234 5678 9012 3452 yesterday", "CREDIT_CARD", "1234 5678 9012 3452"));
    assert!(has("jcb 2131 000000 00001 ok", "CREDIT_CARD", "2131 000000 00001"));
    assert!(has("my card number is 1234567890123452", "CREDIT_CARD", "1234567890123452"));
    assert!(!has("order 1234567890123452 shipped", "CREDIT_CARD", "1234567890123452"));
    assert!(!has("Paid with 7600 0000 0000 0009 yesterday", "CREDIT_CARD", "7600 0000 0000 0009"));
    assert!(has("Write to jane.doe@example.co.uk today", "EMAIL_ADDRESS", "jane.doe@example.co.uk"));
    assert!(found("Write to jane.doe@example.co.uk today").iter().all(|(e, _, _)| e != "URL"));
    assert!(has("see https://example.com/a?b=1.", "URL", "https://example.com/a?b=1"));
    assert!(has("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"));
    assert!(has("from 192.168.10.4 at", "IP_ADDRESS", "192.168.10.4"));
    assert!(has("host 2001:db8::8a2e:370:7334 down", "IP_ADDRESS", "2001:db8::8a2e:370:7334"));
    assert!(has("mac 00:1A:2B:3C:4D:5E seen", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"));
    assert!(has("send to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed now", "CRYPTO", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
    assert!(has("btc bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq thanks", "CRYPTO", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
    assert!(has("My SSN is 536-22-1234.", "US_SSN", "536-22-1234"));
    assert!(has("NHS number 943 476 5919", "UK_NHS", "943 476 5919"));
    assert!(has("call me on (415) 555-2671 tomorrow", "PHONE_NUMBER", "(415) 555-2671"));
    assert!(has("ruf an: +49 30 901820 danke", "PHONE_NUMBER", "+49 30 901820"));
    // Shorter national numbers of other regions with a context word or on a telephone line;
    // the North American plan beyond the US; references of other kinds are not phones.
    assert!(has("Please ring the desk at 3600 1611 today", "PHONE_NUMBER", "3600 1611"));
    assert!(!has("Sold 3600 1611 units today", "PHONE_NUMBER", "3600 1611"));
    assert!(has("Ingrid Solberg\nT: 022.341.775\nSales", "PHONE_NUMBER", "022.341.775"));
    assert!(has("Thanks! It's (264) 461-4366, see you", "PHONE_NUMBER", "(264) 461-4366"));
    assert!(!has("Your order number is 388-4611274 today.", "PHONE_NUMBER", "388-4611274"));
    // An extension glued on belongs to the number; `00` and groups dial abroad; `number` is a
    // phone's context word (Presidio's too), but not after another kind of reference.
    assert!(has("Call me at (231)587-8877x123.", "PHONE_NUMBER", "(231)587-8877x123"));
    assert!(has("Call me at 001-452-870-9124x87.", "PHONE_NUMBER", "001-452-870-9124x87"));
    assert!(has("My number is 555-867-5309 if needed.", "PHONE_NUMBER", "555-867-5309"));
    assert!(!has("The ticket number is 555-867-5309.", "PHONE_NUMBER", "555-867-5309"));
    assert!(!has("Model 231-587-8877x123a ships.", "PHONE_NUMBER", "231-587-8877x123"));
    assert!(!has("Invoice 0935613038 was paid.", "PHONE_NUMBER", "0935613038"));
    assert!(has("appointment on 03/14/2024 at 10:30 AM", "DATE_TIME", "03/14/2024"));
    assert!(has("born March 3, 2024 in", "DATE_TIME", "March 3, 2024"));
    // Said dates: a month after a word of time, ordinals after one, quarters; a full stop
    // after a month written out ends the sentence, not the date.
    assert!(has("The meeting is on 3 March.", "DATE_TIME", "3 March"));
    assert!(has("It expires end of June.", "DATE_TIME", "June"));
    assert!(has("We moved in August 2021 to the coast.", "DATE_TIME", "August 2021"));
    assert!(has("See you on the 14th.", "DATE_TIME", "the 14th"));
    assert!(has("It came the day before yesterday.", "DATE_TIME", "the day before yesterday"));
    assert!(has("On the 14th of March 2021 we met.", "DATE_TIME", "14th of March 2021"));
    assert!(has("Can we meet on Wednesday the 9th?", "DATE_TIME", "Wednesday the 9th"));
    assert!(has("Q3 2023 results are out.", "DATE_TIME", "Q3 2023"));
    assert!(!found("She finished the 14th in the race.").iter().any(|(e, _, _)| e == "DATE_TIME"));
    assert!(!found("A gift from May for you.").iter().any(|(e, _, _)| e == "DATE_TIME"));
    assert!(!found("I met with June Okafor in the lobby.").iter().any(|(e, v, _)| e == "DATE_TIME" && v.contains("June")));
    assert!(has("id 123e4567-e89b-12d3-a456-426614174000", "UUID", "123e4567-e89b-12d3-a456-426614174000"));
    assert!(has("DEA AB1234563 on file", "MEDICAL_LICENSE", "AB1234563"));
    assert!(has("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"));
    assert!(has("DNI 12345678Z", "ES_NIF", "12345678Z"));
    assert!(has("NI number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"));
}

#[test]
fn weak_digit_patterns_need_context() {
    assert!(!found("order 1180023345 shipped").iter().any(|(e, _, _)| e == "US_BANK_NUMBER"));
    assert!(has("my bank account number is 1180023345", "US_BANK_NUMBER", "1180023345"));
    assert!(found("ts=1712345678901 level=info").is_empty());
    assert!(found("release v2.13.4 ships order #A-2024-118832").is_empty());
}

#[test]
fn driver_licences_of_the_states_need_a_context_word() {
    // One example of each published state shape, after a context word.
    for dl in [
        "A1234",
        "B123456",
        "C1234567890123",
        "D123456789012345678",
        "AB12",
        "CD1234567",
        "ABC123456",
        "AB123456E",
        "A123456R",
        "K1L2M",
        "WDLABCD456DG",
        "12ABC12345",
        "123AB4567",
        "1234567A",
        "12345678AB",
        "123456",
        "1234567890123456",
    ] {
        assert!(has(&format!("Driver's license: {dl}, expires next year"), "US_DRIVER_LICENSE", dl), "{dl}");
        assert!(has(&format!("Her DL# is {dl}."), "US_DRIVER_LICENSE", dl), "{dl}");
        assert!(!found(&format!("Part {dl} ships today.")).iter().any(|(e, _, _)| e == "US_DRIVER_LICENSE"), "{dl} without context");
    }
    // Shapes no state issues stay out even beside the word.
    for other in ["A12", "ABCD1234", "12AB345", "A1B2C3D"] {
        assert!(!has(&format!("driving licence {other} here"), "US_DRIVER_LICENSE", other), "{other}");
    }
}

#[test]
fn allow_list_threshold_and_entity_filter_apply() {
    let a = Analyzer::default();
    let text = "mail ops@example.com or jane@example.com";
    let opts = AnalyzeOptions { allow_list: vec!["ops@example.com".into()], ..Default::default() };
    let got = a.analyze(text, &opts);
    assert_eq!(got.len(), 1);
    assert_eq!(&text[got[0].start..got[0].end], "jane@example.com");
    let only_phone = AnalyzeOptions { entities: Some(vec!["PHONE_NUMBER".into()]), ..Default::default() };
    assert!(a.analyze(text, &only_phone).is_empty());
    let strict = AnalyzeOptions { threshold: Some(1.01), ..Default::default() };
    assert!(a.analyze(text, &strict).is_empty());
}

#[test]
fn custom_recognizers_compile_or_name_the_culprit() {
    let specs = CustomRecognizers::parse_file(
        "recognizers:\n  - name: Employee\n    supported_entity: EMPLOYEE_ID\n    patterns:\n      - name: emp\n        regex: 'EMP-\\d{6}'\n        score: 0.3\n    context: [employee]\n",
    )
    .unwrap_or_default();
    let a = Analyzer::new(CustomRecognizers::compile(specs).unwrap_or_default());
    let got = a.analyze("employee EMP-123456 left", &AnalyzeOptions::default());
    assert_eq!(got.len(), 1);
    assert_eq!(&*got[0].entity_type, "EMPLOYEE_ID");
    assert!((got[0].score - 0.65).abs() < 1e-6);
    assert!(a.analyze("badge EMP-123456 left", &AnalyzeOptions::default()).is_empty());
    let bad = CustomRecognizers::parse_file(
        r#"[{"name": "Broken", "supported_entity": "X", "patterns": [{"name": "p", "regex": "(a", "score": 0.5}]}]"#,
    )
    .unwrap_or_default();
    let err = CustomRecognizers::compile(bad).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.starts_with("recognizer Broken: invalid regex"), "{err}");
    let deny =
        CustomRecognizers::parse_file(r#"[{"name": "Titles", "supported_entity": "TITLE", "deny_list": ["Mister"]}]"#).unwrap_or_default();
    let a = Analyzer::new(CustomRecognizers::compile(deny).unwrap_or_default());
    assert_eq!(a.analyze("hello mister x, Misterious", &AnalyzeOptions::default()).len(), 1);
}

#[test]
fn operators_replace_every_span() {
    let a = Analyzer::default();
    let text = "Mail jane@example.com, card 4111 1111 1111 1111.";
    let findings = a.analyze(text, &AnalyzeOptions::default());
    let mut ops = OperatorConfig::default();
    ops.0.insert("CREDIT_CARD".into(), Operator::Mask { masking_char: "*".into(), chars_to_mask: 12, from_end: false });
    ops.0.insert("DEFAULT".into(), Operator::Replace { new_value: None });
    let out = operators::anonymize(text, &findings, &ops, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.text, "Mail <EMAIL_ADDRESS>, card ************11 1111.");
    let key = "0123456789abcdef";
    ops.0.insert("DEFAULT".into(), Operator::Encrypt { key: key.into() });
    let enc = operators::anonymize(text, &findings, &ops, None).unwrap_or_else(|e| panic!("{e}"));
    let item = enc.items.iter().find(|i| i.entity_type == "EMAIL_ADDRESS").cloned().unwrap_or_else(|| panic!("no email"));
    let back = operators::deanonymize(&enc.text, &[(item.start, item.end, item.entity_type)], key).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.text.contains("jane@example.com"));
    assert!(operators::deanonymize(&enc.text, &[(item.start, item.end, "X".into())], "fedcba9876543210").is_err());
    ops.0.insert("DEFAULT".into(), Operator::Tokenize {});
    assert!(matches!(operators::anonymize(text, &findings, &ops, None), Err(AnonymizeError::NoTokenKey)));
    let p = custos_core::Pseudonymizer::from_key([7; 32]);
    let t1 = operators::anonymize(text, &findings, &ops, Some(&p)).unwrap_or_else(|e| panic!("{e}"));
    let t2 =
        operators::anonymize("again jane@example.com", &a.analyze("again jane@example.com", &AnalyzeOptions::default()), &ops, Some(&p))
            .unwrap_or_else(|e| panic!("{e}"));
    let email = |a: &operators::Anonymized| a.items.iter().find(|i| i.entity_type == "EMAIL_ADDRESS").map(|i| i.text.clone());
    assert_eq!(email(&t1), email(&t2), "tokens are stable across documents");
    assert!(email(&t1).is_some_and(|t| t.starts_with("tok_")));
}

#[test]
fn analyzer_is_total_on_odd_text() {
    let a = Analyzer::default();
    for t in ["", " ", "é", "\u{0}", "0x", "+", "((((", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9", "Ünïcödé Çàfé 北京 🙂 Zoë O'Neil-Smith"]
    {
        for f in a.analyze(t, &AnalyzeOptions { threshold: Some(0.0), ..Default::default() }) {
            assert!(f.start < f.end && t.is_char_boundary(f.start) && t.is_char_boundary(f.end));
        }
    }
}

proptest::proptest! {
    #[test]
    fn anonymize_never_leaves_a_detected_span(words in proptest::collection::vec(proptest::sample::select(vec![
        "hello", "Call", "+1 415 555 2671", "jane@example.com", "4111 1111 1111 1111", "at", "DE89 3704 0044 0532 0130 00",
        "192.168.0.1", "on", "March 3, 2024", "John Smith", "in", "Paris", ",", "536-22-1234", "é", "🙂",
    ]), 0..24)) {
        let text = words.join(" ");
        let a = Analyzer::default();
        let findings = a.analyze(&text, &AnalyzeOptions::default());
        let out = operators::anonymize(&text, &findings, &OperatorConfig::default(), None).unwrap_or_else(|e| panic!("{e}"));
        let mut residual = String::new();
        let mut pos = 0;
        for f in &findings {
            residual.push_str(&text[pos..f.start]);
            residual.push('\u{0}');
            pos = f.end;
        }
        residual.push_str(&text[pos..]);
        for f in &findings {
            let value = &text[f.start..f.end];
            proptest::prop_assert!(!out.text.contains(value) || residual.contains(value), "{value:?} survived in {:?}", out.text);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
    /// The fuzz targets' properties on random input (the CI share of `fuzz/`).
    #[test]
    fn analyzer_and_validators_are_total(text in proptest::prop_oneof![
        proptest::arbitrary::any::<String>(),
        "[0-9 +()\\-./:@a-fA-FxX#]{0,64}",
        "([A-ZÄÖÜÉ][a-zäöüéß']{0,8}[ ,.:]{1,2}){0,8}",
    ]) {
        let analyzer = Analyzer::default();
        let findings = analyzer.analyze(&text, &AnalyzeOptions { threshold: Some(0.0), ..Default::default() });
        for f in &findings {
            proptest::prop_assert!(f.start < f.end && text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            proptest::prop_assert!((0.0..=1.0).contains(&f.score));
        }
        proptest::prop_assert!(operators::anonymize(&text, &findings, &OperatorConfig::default(), None).is_ok());
        for name in validate::VALIDATOR_NAMES {
            proptest::prop_assert!(validate::by_name(name, &text).is_some());
        }
        let _ = validate::card_network(&text);
    }
}
