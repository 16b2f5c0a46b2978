//! medcab-core
