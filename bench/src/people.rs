//! The identifiers of seeded practitioner number N: a valid СНИЛС and a
//! mobile number of their own, the same in every run.

use medcab_core::domain::{PhoneNumber, Snils};

/// A СНИЛС with a valid checksum, one per number.
pub fn snils(number: u32) -> Snils {
    Snils::with_check_digits(100_000_000 + number).expect("a nine-digit number")
}

pub fn phone(number: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+79{:09}", number)).expect("a valid mobile number")
}
