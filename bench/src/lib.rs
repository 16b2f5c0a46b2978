//! What the whole-system benchmarks share: a scratch database, the bot
//! processes they spawn (and what those used), the load balancer in front
//! of several of them, where the machine's CPU goes, and the bots' keys in
//! Redis. See docs/benchmarks.md. The fault tests (medcab-e2e) use the
//! processes and the balancer too.

pub mod balancer;
pub mod cpu;
pub mod people;
pub mod processes;
pub mod redis_keys;
pub mod scratch;
