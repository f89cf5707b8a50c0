//! Test support shared by the integration tests and the load benchmark.

pub mod hostile;
pub mod server;
