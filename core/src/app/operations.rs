//! The operations beyond synthesis: the rollout plan, the resource graph as
//! a picture, drills, and the SLO outputs. Each reads the spec alone (or one
//! region's graph, for the picture) and so is blocked only by errors there.

use super::{App, AppError, DrillFormat, Named, PlanFormat, ReportFormat, RulesFormat};
use crate::diag::{self, Diagnostic};
use crate::recovery::{Drill, Scenario};
use crate::rollout::Plan;
use crate::slo::{Escalation, Evaluator};
use crate::time::Duration;

/// The longest drill a caller may ask for: a year of simulated time.
pub const MAX_DRILL: Duration = Duration::from_secs(366 * 86_400);

/// What `slo_check` finds: the SLOs' own diagnostics, and their budgets and rules in words.
#[derive(Debug, Clone, PartialEq)]
pub struct SloCheck {
    /// Diagnostics about SLOs and what refers to them (sorted by place).
    pub diagnostics: Vec<Diagnostic>,
    /// Every SLO's budget and alert rules; empty when the spec has none.
    pub summary: String,
}

impl App {
    /// The rollout plan: every step of every wave with its timing and what is at stake.
    pub fn plan(&self) -> Result<Plan, AppError> {
        self.spec_diagnostics()?;
        Ok(crate::rollout::plan(self.spec()))
    }

    /// The rollout plan as text, JSON or an SVG picture.
    pub fn plan_as(&self, format: PlanFormat) -> Result<String, AppError> {
        let plan = self.plan()?;
        Ok(match format {
            PlanFormat::Text => plan.to_text(),
            PlanFormat::Json => serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n",
            PlanFormat::Svg => plan.to_svg(),
        })
    }

    /// One region's resource graph as an SVG picture, once the region checks out.
    pub fn graph_svg(&self, region: &str) -> Result<String, AppError> {
        self.region_with(region, |g, _| g.to_svg(), |_| None, false).map(|(svg, _)| svg)
    }

    /// A disaster-recovery drill in the simulator: `scenario` (by name) for
    /// `duration` (such as `1h`, at most [`MAX_DRILL`]).
    pub fn drill(&self, scenario: &str, duration: &str) -> Result<Drill, AppError> {
        let scenario = Scenario::parse(scenario)?;
        let length = parse_duration("drill duration", duration)?;
        if length > MAX_DRILL {
            return Err(AppError::BadArgument {
                what: "drill duration",
                message: format!("`{duration}` is longer than the {MAX_DRILL} a drill may run"),
            });
        }
        self.spec_diagnostics()?;
        let recovery = self
            .spec()
            .recovery
            .as_ref()
            .ok_or(AppError::MissingSection { section: "recovery", example: "recovery: { mode: warm-standby, rto: 5m, rpo: 1m }" })?;
        Ok(crate::recovery::drill(recovery, &self.regions(), scenario, length.as_millis()))
    }

    /// The drill's timeline and ledger as text or JSON.
    pub fn drill_as(&self, scenario: &str, duration: &str, format: DrillFormat) -> Result<String, AppError> {
        let d = self.drill(scenario, duration)?;
        Ok(match format {
            DrillFormat::Text => d.to_text(),
            DrillFormat::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
        })
    }

    /// SLO rules as files: for Prometheus, `rules_file` and its promtool test
    /// file beside it (`slo-rules.yaml` and `slo-rules.test.yaml`); for OpenSLO, `openslo.yaml`.
    pub fn slo_rules(&self, format: RulesFormat, rules_file: &str) -> Result<Vec<(String, String)>, AppError> {
        self.spec_diagnostics()?;
        let spec = self.spec();
        Ok(match format {
            RulesFormat::Prometheus => {
                let stem = rules_file.rsplit_once('.').map_or(rules_file, |(stem, _)| stem);
                vec![
                    (rules_file.to_owned(), crate::slo::rules_yaml(spec)),
                    (format!("{stem}.test.yaml"), crate::slo::promtool_tests_yaml(spec, rules_file)),
                ]
            }
            RulesFormat::OpenSlo => vec![("openslo.yaml".to_owned(), crate::slo::openslo_yaml(spec))],
        })
    }

    /// The SLA report of CSV samples (`time_ms,slo,good,total`).
    pub fn slo_report(&self, samples: &str, format: ReportFormat) -> Result<String, AppError> {
        self.watch_report(samples, vec![], format)
    }

    /// The SLA report of what a watcher recorded: its SLO samples (the CSV of
    /// [`App::slo_report`]) and the failovers of its ledger beside them.
    pub fn watch_report(
        &self,
        samples: &str,
        failovers: Vec<crate::slo::FailoverRecord>,
        format: ReportFormat,
    ) -> Result<String, AppError> {
        self.spec_diagnostics()?;
        let names: Vec<&str> = self.spec().slos.keys().map(String::as_str).collect();
        let parsed = crate::slo::parse_samples(samples, Some(&names))
            .map_err(|errors| AppError::BadArgument { what: "samples", message: errors.join("\n") })?;
        let report = crate::slo::report(self.spec(), &parsed).with_failovers(failovers);
        Ok(match format {
            ReportFormat::Markdown => report.to_markdown(),
            ReportFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default(),
            ReportFormat::Html => report.to_html(),
        })
    }

    /// The SLOs' own diagnostics (those under `/slos`, the SLO rule warnings,
    /// and the references to SLOs from gates and recovery) and their summary.
    pub fn slo_check(&self) -> SloCheck {
        let diagnostics = self
            .validate()
            .into_iter()
            .filter(|d| d.pointer.starts_with("/slos") || d.code == diag::Code::SloRule.as_str() || d.pointer.contains("/slo"))
            .collect();
        SloCheck { diagnostics, summary: crate::slo::summary(self.spec()) }
    }

    /// The alert evaluator of SLO `name` (its window, time zone, maintenance and
    /// floor; a composite's over its parts), paging `escalation` in order:
    /// `(target, after)`, `after` such as `30m`.
    pub fn slo_evaluator(&self, name: &str, escalation: &[(String, String)]) -> Result<Evaluator, AppError> {
        let unknown = || AppError::unknown("SLO", name, self.spec().slos.keys().cloned());
        if !self.spec().slos.contains_key(name) {
            return Err(unknown());
        }
        let steps = escalation
            .iter()
            .map(|(target, after)| Ok((target.clone(), parse_duration("escalation delay", after)?)))
            .collect::<Result<Vec<_>, AppError>>()?;
        Evaluator::of_spec(&self.spec().slos, name, Escalation { steps }).ok_or_else(unknown)
    }
}

/// A duration argument such as `1h`, or why it is not one.
pub fn parse_duration(what: &'static str, text: &str) -> Result<Duration, AppError> {
    text.parse().map_err(|e: crate::spec::units::UnitError| AppError::BadArgument { what, message: e.to_string() })
}
