//! What the whole-system benchmarks share: a scratch database, the bot
//! processes they spawn (and what those used), where the machine's CPU
//! goes, and the bots' keys in Redis. See docs/benchmarks.md.

pub mod cpu;
pub mod people;
pub mod processes;
pub mod redis_keys;
pub mod scratch;
