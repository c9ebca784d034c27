#![no_main]
//! LightGBM `dump_model` JSON (and any other bytes the format detection sees): the loader must
//! refuse or accept without panicking, however deep or odd the nesting; an accepted model is
//! safe to use. Seed with `testdata/explain/*.lgb.dump.json` (fuzz/README.md).

use libfuzzer_sys::fuzz_target;

#[path = "model_common.rs"]
mod model_common;

fuzz_target!(|data: &[u8]| model_common::exercise(data));
