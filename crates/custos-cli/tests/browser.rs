//! The browser tests (`e2e/*.mjs`: Debian's Chromium, headless, through npm playwright-core)
//! against a real `custos serve --demo` built from this tree. They need `/usr/bin/chromium` and
//! `e2e/node_modules` (`.ci/run` installs both); without them the test says so and passes
//! outside CI, and fails under CI (when `CI` is set), like the PostgreSQL tests.

use std::path::Path;
use std::process::Command;

/// Runs `e2e/<script>` with this tree's `custos`; `false` when the browser is not installed
/// (outside CI).
fn run_e2e(script: &str) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = Path::new(&chromium).exists() && root.join("e2e/node_modules/playwright-core").exists();
    if !ready {
        assert!(std::env::var_os("CI").is_none(), "CI is set but chromium or e2e/node_modules is missing (run .ci/run)");
        eprintln!("browser test skipped: install chromium and run `npm ci --prefix e2e`");
        return false;
    }
    let out = Command::new("node")
        .arg(root.join("e2e").join(script))
        .env("CUSTOS_BIN", env!("CARGO_BIN_EXE_custos"))
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "e2e/{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[test]
fn console_in_headless_chromium() {
    run_e2e("console.mjs");
}

#[test]
fn approvals_in_headless_chromium() {
    run_e2e("approvals.mjs");
}

#[test]
fn governance_in_headless_chromium() {
    run_e2e("governance.mjs");
}

#[test]
fn masked_personal_data_in_headless_chromium() {
    run_e2e("masked.mjs");
}

#[test]
fn consent_snippet_in_headless_chromium() {
    run_e2e("embed.mjs");
}
