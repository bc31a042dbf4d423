//! Infrastructure-as-code renderers. Each translates a [`crate::graph::Graph`];
//! none invents resources.

pub mod cdk;
pub mod cloudformation;
pub mod provider;
pub mod pulumi;
pub mod terraform;
