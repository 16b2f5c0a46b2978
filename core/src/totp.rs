//! The second factor: time-based one-time passwords (RFC 6238).
