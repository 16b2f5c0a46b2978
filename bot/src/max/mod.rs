//! Max, the national messenger: a thin client of its Bot API
//! (`client.rs`) and the API's objects (`types.rs`). Nothing here knows
//! the cabinet; the Max adapter of the handlers is built on it.

pub mod client;
pub mod types;

pub use client::{BuildError, DEFAULT_API_URL, MaxClient, MaxConfig, MaxError, MaxErrorKind, To};
