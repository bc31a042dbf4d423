//! Disaster recovery, sans-IO: probe results in, region health out.
//!
//! [`Detector`] watches every region from several vantage points. A region is
//! down when a quorum of vantage points has seen `failures` consecutive failed
//! probes, and up again only when a quorum has seen `successes` consecutive
//! good ones: hysteresis both ways, so one lost vantage point or one flapping
//! probe moves nothing. When every region looks down at once the probes are
//! more likely wrong than the world, and the detector fails open (as Route 53
//! does): it reports the outage but asks for no traffic to move.

mod detector;
mod failover;
mod sim;

pub use detector::{Detector, Health, Probe, ProbeConfig, Transition};
pub use failover::{Action, Event, Failover, Incident, Status, mode_name};
pub use sim::{Drill, Scenario, Script, drill, run};
