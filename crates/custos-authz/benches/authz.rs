//! What a Cedar decision costs: the p50 and p99 of one `reveal` decision (the check a console
//! view of a subject adds), over many runs. `cargo bench -p custos-authz` (release profile).

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
        let read = policies.is_allowed(who, "read", "subjects", "");
        let reveal = policies.is_allowed(who, "reveal", "subjects", "view_subject");
        let took = start.elapsed();
        if i >= 10_000 {
            times.push(took.as_nanos() as u64);
            allowed += u32::from(read && reveal);
        }
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)] as f64 / 1000.0;
    assert_eq!(allowed as usize, runs, "every decision allowed");
    println!(
        "cedar read+reveal of a subject, {runs} runs after 10000 warm-up: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
