//! The purpose gate: may this AI use this subject's data for this purpose, and which data?
//!
//! [`evaluate`] takes what custos knows about a subject ([`SubjectState`]), the declared
//! [`Purpose`](custos_core::Purpose) and the requested data categories, and returns a
//! [`GateDecision`]: allow or deny, the reasons, and the data categories that may be released.
//! A deny is a value with reasons, never an `Err`; evaluation does no I/O and allocates only
//! for its answer, so it can run on every request (see `docs/BENCHMARKS.md`).
//!
//! The rules, in the order they are applied:
//!
//! | situation | decision |
//! |---|---|
//! | subject erased, or purpose unknown | deny |
//! | restriction of processing active | deny, except `legal_obligation` purposes |
//! | `contract` / `legal_obligation` basis | allow |
//! | an objection to this purpose, to profiling (profiling purposes) or to direct marketing (`marketing.*`) | deny |
//! | `sale_or_share` purpose in an opt-out jurisdiction with GPC or an opt-out of sale/sharing | deny |
//! | `legitimate_interest` basis otherwise | allow |
//! | `consent` basis, `sensitive` purpose | allow only with a current `granted` consent, in every jurisdiction |
//! | `consent` basis, opt-in jurisdiction | allow only with a current `granted` consent |
//! | `consent` basis, opt-out jurisdiction | allow unless `denied` / `withdrawn` |
//!
//! Two rows go beyond the bare legal-basis table and are deliberate: an objection stops
//! consent-based processing as well (a subject who said "stop marketing to me" expects it to
//! stop, whatever basis the business chose; GDPR Art. 21(3) makes the direct-marketing
//! objection absolute), and an opt-out of sale/sharing binds legitimate-interest purposes too
//! (CCPA 1798.120 attaches the right to the sale, not to a basis).

mod gate;
pub mod recipient;

pub use gate::{Decision, GateConfig, GateDecision, Objections, Reason, ReasonCode, Release, SubjectState, evaluate};
