//! Every checksum validator on arbitrary strings: total (no panic), whatever the input.
#![no_main]

use custos_pii::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for name in validate::VALIDATOR_NAMES {
        let _ = validate::by_name(name, &text);
    }
    let _ = validate::card_network(&text);
});
