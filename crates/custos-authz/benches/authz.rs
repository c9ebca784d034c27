//! What the Cedar checks of a console view of a subject cost (may the person read subjects,
//! and see them unmasked): p50 and p99 over many runs, evaluated by Cedar every time, and as
//! the server asks (answers remembered). `cargo bench -p custos-authz` (release profile).

use std::time::Instant;

use custos_authz::{Policies, Principal};

fn main() {
    let policies = Policies::shipped();
    let roles = ["privacy_officer", "reviewer"];
    let who = Principal { user_id: "01a236da-e535-701c-a7f8-d9201e55519a", roles: &roles, trained: true };
    let runs = 200_000;
    let mut times = Vec::with_capacity(runs);
    let mut allowed = 0u32;
    for i in 0..runs + 10_000 {
        let start = Instant::now();
        let read = policies.evaluate(who, "read", "subjects", "");
        let reveal = policies.evaluate(who, "reveal", "subjects", "view_subject");
        let took = start.elapsed();
        if i >= 10_000 {
            times.push(took.as_nanos() as u64);
            allowed += u32::from(read && reveal);
        }
    }
    assert_eq!(allowed as usize, runs, "every decision allowed");
    report("evaluated every time", &mut times);
    let mut remembered = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let ok = policies.is_allowed(who, "read", "subjects", "") && policies.is_allowed(who, "reveal", "subjects", "view_subject");
        remembered.push(start.elapsed().as_nanos() as u64);
        assert!(ok);
    }
    report("as the server asks (remembered)", &mut remembered);
}

fn report(how: &str, times: &mut [u64]) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)] as f64 / 1000.0;
    println!(
        "cedar read+reveal of a subject, {how}, {} runs: p50 {:.2} µs, p99 {:.2} µs, max {:.1} µs",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
