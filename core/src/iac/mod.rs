//! Infrastructure-as-code renderers. Each translates a [`crate::graph::Graph`];
//! none invents resources.

pub mod cloudformation;
pub mod tree;
pub mod yaml;
