//! The register of medical workers.
