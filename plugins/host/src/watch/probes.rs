//! Probe threads: one per region and vantage point, each with its own
//! prober instance, probing every interval and sending each result to the
//! watcher's loop. The vantage points start spread over one interval, so the
//! regions are probed evenly rather than in bursts.

use crate::plugin::{Plugin, PluginError, Target};
use lift_core::recovery::{Probe, ProbeConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Running probe threads; dropping them stops them.
pub struct Probes {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Probes {
    /// Probe `path` on each region's endpoint (`(region, base URL)`) from every
    /// vantage point of `config`, through `plugin`, sending results to `to`;
    /// `rounds` probes from each thread and then it ends, or until stopped.
    pub fn spawn(
        plugin: &Plugin,
        endpoints: &[(String, String)],
        path: &str,
        config: &ProbeConfig,
        rounds: Option<u32>,
        to: &Sender<Probe>,
    ) -> Result<Probes, PluginError> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = vec![];
        let n = config.vantage_points.len().max(1) as u64;
        let interval = Duration::from_millis(config.interval_ms.max(1));
        let timeout_ms = u32::try_from(config.timeout_ms).unwrap_or(u32::MAX);
        for (i, vantage) in config.vantage_points.iter().enumerate() {
            for (region, base) in endpoints {
                let mut prober = plugin.prober()?;
                let (stop, to, vantage, region) = (stop.clone(), to.clone(), vantage.clone(), region.clone());
                let target = Target {
                    url: format!("{}{}", base.trim_end_matches('/'), path),
                    expect_status: Some(200),
                    body_contains: None,
                    timeout_ms,
                };
                let offset = interval.mul_f64(i as f64 / n as f64);
                let thread = std::thread::Builder::new().name(format!("probe-{region}-{vantage}")).spawn(move || {
                    let mut next = Instant::now() + offset;
                    let mut owed = rounds.unwrap_or(u32::MAX);
                    while owed > 0 && !stop.load(Ordering::Relaxed) {
                        owed = owed.saturating_sub(1);
                        sleep_until(next, &stop);
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        next += interval;
                        let started = Instant::now();
                        let (ok, latency_ms) = match prober.probe_from(&target, Some(&vantage)) {
                            Ok(h) => (h.ok, u64::from(h.latency_ms)),
                            // A broken prober is a failed probe, never a healthy one.
                            Err(_) => (false, started.elapsed().as_millis() as u64),
                        };
                        if to.send(Probe { region: region.clone(), vantage: vantage.clone(), ok, latency_ms }).is_err() {
                            break;
                        }
                        // A probe that took longer than the interval does not queue up probes behind it.
                        if next < Instant::now() {
                            next = Instant::now();
                        }
                    }
                });
                threads.push(thread.map_err(|e| PluginError::Reported {
                    plugin: "probes".into(),
                    call: "spawn".into(),
                    message: e.to_string(),
                })?);
            }
        }
        Ok(Probes { stop, threads })
    }

    /// Stop every thread and wait for them (each ends after its probe in flight).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Probes {
    fn drop(&mut self) {
        self.halt();
    }
}

fn sleep_until(when: Instant, stop: &AtomicBool) {
    // In short naps, so a stop is seen within 50 ms.
    while !stop.load(Ordering::Relaxed) {
        let left = when.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
