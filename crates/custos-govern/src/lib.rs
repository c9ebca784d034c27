//! custos governance engines: the obligations catalog (legal facts as data), the legal clocks
//! of incidents and their response plans, the EU AI Act classifier, versioned questionnaires
//! with the DPIA screening and the vendor review. Pure: no I/O, no clock of its own (callers pass the time).

pub mod aiact;
pub mod catalog;
pub mod clocks;
pub mod compliance;
pub mod dpia;
mod names;
pub mod plans;
pub mod questionnaire;
pub mod transfers;
pub mod vendor;
