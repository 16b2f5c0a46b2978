//! Identifiers and values a user types, parsed at the edge into types that
//! cannot hold an invalid value ("parse, don't validate").
