//! Whether oversight is real: per reviewer and per rule, over a trailing window, how many
//! reviews, how often the model was overridden or agreed with, how long people looked, how
//! often they were late; and the rubber-stamp alert.

use std::collections::BTreeMap;

use custos_core::{AlertSource, ReviewAction, RuleId, Timestamp};
use custos_store::reviews::VerdictFact;

use super::{Oversight, OversightConfig};
use crate::ServiceError;

/// The figures of one group of verdicts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Verdicts recorded.
    pub reviews: u64,
    /// Share that overrode the model.
    pub override_rate: f64,
    /// Share whose outcome was the model's.
    pub agreement_rate: f64,
    /// Median seconds from taking the review to the verdict.
    pub median_seconds: f64,
    /// The 10th percentile of those seconds (the fastest tenth looked at most this long).
    pub p10_seconds: f64,
    /// Share recorded after the review's due time.
    pub late_share: f64,
}

/// One reviewer's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewerFigures {
    /// The staff account.
    pub user_id: String,
    /// Their sign-in name (absent if the account is gone).
    pub email: Option<String>,
    /// The figures.
    pub figures: Figures,
    /// Whether the rubber-stamp alert holds for them.
    pub rubber_stamping: bool,
}

/// One rule's figures (over the reviews it opened).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFigures {
    /// The rule (none: contests and suspensions).
    pub rule_id: Option<RuleId>,
    /// The figures.
    pub figures: Figures,
}

/// The oversight figures over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct OversightMetrics {
    /// Where the window starts.
    pub since: Timestamp,
    /// Where it ends.
    pub until: Timestamp,
    /// The thresholds of the rubber-stamp alert.
    pub config: OversightConfig,
    /// Everyone's verdicts together.
    pub overall: Figures,
    /// Per reviewer, most reviews first.
    pub reviewers: Vec<ReviewerFigures>,
    /// Per rule.
    pub rules: Vec<RuleFigures>,
}

/// The value at quantile `q` of sorted values (nearest rank); 0 for none.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn figures(facts: &[&VerdictFact]) -> Figures {
    let n = facts.len();
    if n == 0 {
        return Figures::default();
    }
    let share = |f: &dyn Fn(&VerdictFact) -> bool| facts.iter().filter(|v| f(v)).count() as f64 / n as f64;
    let mut seconds: Vec<f64> =
        facts.iter().map(|v| ((v.verdict.recorded_at - v.verdict.claimed_at).num_milliseconds().max(0) as f64) / 1000.0).collect();
    seconds.sort_by(f64::total_cmp);
    Figures {
        reviews: n as u64,
        override_rate: share(&|v| v.verdict.action == ReviewAction::Override),
        agreement_rate: share(&|v| v.verdict.agrees),
        median_seconds: quantile(&seconds, 0.5),
        p10_seconds: quantile(&seconds, 0.1),
        late_share: share(&|v| v.verdict.recorded_at > v.due_at),
    }
}

/// Whether a reviewer's figures look like rubber-stamping under `config`.
pub(crate) fn rubber_stamping(f: &Figures, config: &OversightConfig) -> bool {
    f.reviews >= u64::from(config.min_reviews)
        && f.agreement_rate > config.agreement_above
        && f.median_seconds < config.median_seconds_below
}

/// The figures of the verdicts in a window.
pub(crate) fn compute(facts: &[VerdictFact], since: Timestamp, until: Timestamp, config: OversightConfig) -> OversightMetrics {
    let all: Vec<&VerdictFact> = facts.iter().collect();
    let mut by_reviewer: BTreeMap<&str, Vec<&VerdictFact>> = BTreeMap::new();
    let mut by_rule: BTreeMap<Option<RuleId>, Vec<&VerdictFact>> = BTreeMap::new();
    for f in facts {
        by_reviewer.entry(f.verdict.user_id.as_str()).or_default().push(f);
        let mut rules: Vec<Option<RuleId>> = f.reasons.iter().map(|r| r.rule_id).collect();
        rules.sort();
        rules.dedup();
        for r in rules {
            by_rule.entry(r).or_default().push(f);
        }
    }
    let mut reviewers: Vec<ReviewerFigures> = by_reviewer
        .into_iter()
        .map(|(user, facts)| {
            let figures = figures(&facts);
            ReviewerFigures { user_id: user.to_owned(), email: None, rubber_stamping: rubber_stamping(&figures, &config), figures }
        })
        .collect();
    reviewers.sort_by(|a, b| b.figures.reviews.cmp(&a.figures.reviews).then(a.user_id.cmp(&b.user_id)));
    let rules = by_rule.into_iter().map(|(rule_id, facts)| RuleFigures { rule_id, figures: figures(&facts) }).collect();
    OversightMetrics { since, until, config, overall: figures(&all), reviewers, rules }
}

/// Verdicts the figures read at most (the newest).
const MAX_VERDICTS: u32 = 200_000;

impl Oversight<'_> {
    /// The figures over the last `window_days` (default: the configured window) up to `until`,
    /// with each reviewer's email; fires the rubber-stamp alert for reviewers who now meet it
    /// and resolves it for those who no longer do.
    pub async fn metrics(&self, window_days: Option<u32>, until: Timestamp) -> Result<OversightMetrics, ServiceError> {
        let mut config = self.0.config.oversight;
        if let Some(days) = window_days {
            if !(1..=366).contains(&days) {
                return Err(ServiceError::invalid("days", "must be between 1 and 366"));
            }
            config.window_days = days;
        }
        let since = until - chrono::Duration::days(i64::from(config.window_days));
        let (facts, users, firing) = self
            .0
            .read(async |tx| {
                let facts = custos_store::reviews::verdicts_since(tx, &since, MAX_VERDICTS).await?;
                let firing =
                    custos_store::alerts::list(tx, Some(AlertSource::Oversight), Some(custos_core::AlertState::Firing), 1000).await?;
                Ok((facts, custos_store::staff::users(tx).await?, firing))
            })
            .await?;
        let facts: Vec<VerdictFact> = facts.into_iter().filter(|f| f.verdict.recorded_at <= until).collect();
        let mut metrics = compute(&facts, since, until, config);
        for r in &mut metrics.reviewers {
            r.email = users.iter().find(|u| u.user_id == r.user_id).map(|u| u.email.clone());
        }
        // Only the reviewers whose alert must start or stop: most calls write nothing.
        let stamped: std::collections::BTreeSet<&str> =
            firing.iter().filter(|a| a.kind == "rubber_stamping").map(|a| a.about.as_str()).collect();
        let alerts: Vec<(String, Option<String>, bool, f64)> = metrics
            .reviewers
            .iter()
            .filter(|r| r.rubber_stamping != stamped.contains(r.user_id.as_str()))
            .map(|r| (r.user_id.clone(), r.email.clone(), r.rubber_stamping, r.figures.agreement_rate))
            .collect();
        if alerts.is_empty() {
            return Ok(metrics);
        }
        let figures: BTreeMap<String, Figures> = metrics.reviewers.iter().map(|r| (r.user_id.clone(), r.figures.clone())).collect();
        self.0
            .write(async |tx| {
                for (user_id, email, stamping, agreement) in &alerts {
                    if *stamping {
                        let f = &figures[user_id];
                        let message = format!(
                            "{} agreed with the model in {:.1}% of {} reviews, with a median of {:.1} seconds each: the oversight may be a formality",
                            email.as_deref().unwrap_or("A reviewer"),
                            agreement * 100.0,
                            f.reviews,
                            f.median_seconds
                        );
                        crate::alerts::fire(
                            tx,
                            crate::alerts::Firing {
                                source: AlertSource::Oversight,
                                kind: "rubber_stamping",
                                about: user_id,
                                message,
                                value: Some(*agreement),
                                threshold: Some(config.agreement_above),
                            },
                            &until,
                        )
                        .await?;
                    } else {
                        crate::alerts::settle(tx, AlertSource::Oversight, "rubber_stamping", user_id, &until).await?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(metrics)
    }
}

/// One week of the oversight trend.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFigures {
    /// The week's first moment.
    pub week_start: Timestamp,
    /// Everyone's verdicts of that week.
    pub figures: Figures,
}

impl Oversight<'_> {
    /// Everyone's figures week by week over the last `weeks` weeks (1-52) up to `until`, oldest
    /// first: whether agreement creeps up and time spent creeps down.
    pub async fn trend(&self, weeks: u32, until: Timestamp) -> Result<Vec<WeekFigures>, ServiceError> {
        if !(1..=52).contains(&weeks) {
            return Err(ServiceError::invalid("weeks", "must be between 1 and 52"));
        }
        let since = until - chrono::Duration::weeks(i64::from(weeks));
        let facts = self.0.read(async |tx| Ok(custos_store::reviews::verdicts_since(tx, &since, MAX_VERDICTS).await?)).await?;
        Ok((0..weeks)
            .map(|w| {
                let start = since + chrono::Duration::weeks(i64::from(w));
                let end = start + chrono::Duration::weeks(1);
                let of_week: Vec<&VerdictFact> =
                    facts.iter().filter(|f| f.verdict.recorded_at >= start && f.verdict.recorded_at < end).collect();
                WeekFigures { week_start: start, figures: figures(&of_week) }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_core::{ReviewId, now};
    use custos_store::reviews::VerdictRecord;

    fn fact(user: &str, agrees: bool, seconds: i64) -> VerdictFact {
        let claimed = now();
        VerdictFact {
            verdict: VerdictRecord {
                review_id: ReviewId::new(),
                user_id: user.into(),
                action: if agrees { ReviewAction::Confirm } else { ReviewAction::Override },
                outcome: "x".into(),
                agrees,
                reason_code: "r".into(),
                note: None,
                claimed_at: claimed,
                recorded_at: claimed + chrono::Duration::seconds(seconds),
            },
            reasons: Vec::new(),
            due_at: claimed + chrono::Duration::seconds(30),
        }
    }

    #[test]
    fn fast_constant_agreement_is_rubber_stamping_and_care_is_not() {
        let config = OversightConfig::default();
        let mut facts: Vec<VerdictFact> = (0..200).map(|_| fact("fast", true, 3)).collect();
        facts.extend((0..200).map(|i| fact("careful", i % 10 != 0, 40 + i64::from(i % 7))));
        facts.extend((0..50).map(|_| fact("new", true, 2)));
        let m = compute(&facts, now(), now(), config);
        let get = |u: &str| m.reviewers.iter().find(|r| r.user_id == u).expect("reviewer").clone();
        assert!(get("fast").rubber_stamping);
        assert!(!get("careful").rubber_stamping, "{:?}", get("careful").figures);
        assert!(!get("new").rubber_stamping, "fewer than 100 reviews never fires");
        let careful = get("careful").figures;
        assert!((careful.override_rate - 0.1).abs() < 1e-9 && (careful.agreement_rate - 0.9).abs() < 1e-9);
        assert!(careful.late_share > 0.99 && careful.median_seconds >= 40.0 && careful.p10_seconds >= 40.0);
        assert_eq!(m.overall.reviews, 450);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert_eq!(quantile(&[], 0.1), 0.0);
    }
}
