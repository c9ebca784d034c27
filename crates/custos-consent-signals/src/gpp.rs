//! GPP strings (IAB Tech Lab Global Privacy Platform): the header and its sections.

/// A decoded GPP string (filled in with the sections).
#[derive(Debug, Clone, PartialEq)]
pub struct GppString;
