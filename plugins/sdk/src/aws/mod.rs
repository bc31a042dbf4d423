//! Calling AWS from a plugin: SigV4 signing and the Query APIs' form POSTs
//! and XML answers (feature `aws`). The transport is the host's HTTP
//! capability; these build requests and read answers.

pub mod query;
pub mod sigv4;

pub use query::{Api, ApiError, Call, Client, Prepared};
pub use sigv4::Credentials;

pub use crate::dates::{amz_date, amz_date_now, iso8601, parse_iso8601};
