//! Fuzz the consent-string decoders: any input is refused with a rule or decoded; what strict
//! mode accepts encodes and decodes again to the same value.
#![no_main]

use custos_consent_signals::{Mode, gpp, tcf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = tcf::decode(s, Mode::Lenient);
    let _ = gpp::decode(s, Mode::Lenient);
    if let Ok(d) = tcf::decode(s, Mode::Strict) {
        let again = tcf::encode(&d.value).expect("a strictly valid TC string encodes");
        assert_eq!(tcf::decode(&again, Mode::Strict).expect("and decodes").value, d.value);
    }
    if let Ok(d) = gpp::decode(s, Mode::Strict) {
        let again = gpp::encode(&d.value).expect("a strictly valid GPP string encodes");
        assert_eq!(gpp::decode(&again, Mode::Strict).expect("and decodes").value, d.value);
    }
});
