//! Corrections for testing many columns at once, so the false-alarm rate of a whole
//! comparison is the one asked for (statsmodels `multipletests`).

/// How p-values of several columns are adjusted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm's step-down: the chance of any false alarm in a comparison is at most alpha.
    #[default]
    Holm,
    /// Benjamini-Hochberg: the expected share of false alarms among alarms is at most alpha.
    Bh,
    /// No correction: each column at alpha (many columns will raise false alarms).
    None,
}

impl Correction {
    /// Parses `holm`, `bh` or `none`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holm" => Some(Self::Holm),
            "bh" => Some(Self::Bh),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The adjusted p-values, in the input's order.
pub fn adjust(p: &[f64], correction: Correction) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut out = vec![0.0; m];
    match correction {
        Correction::None => return p.to_vec(),
        Correction::Holm => {
            let mut running = 0.0f64;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank) as f64 * p[i]).min(1.0));
                out[i] = running;
            }
        }
        Correction::Bh => {
            let mut running = 1.0f64;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min((m as f64 / (rank + 1) as f64 * p[i]).min(1.0));
                out[i] = running;
            }
        }
    }
    out
}
