//! Generic documents and their text: an arena-allocated tree of maps, lists
//! and scalars that every output is built as (the IaC templates, the SLO
//! exports), written out as JSON or YAML.

pub mod tree;
pub mod yaml;
