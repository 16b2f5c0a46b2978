//! Personal data at rest: encryption and blind indexes.
