//! The identifiers of seeded practitioner number N: a valid СНИЛС and a
//! mobile number of their own, the same in every run.

use medcab_core::domain::{PhoneNumber, Snils};

/// A СНИЛС with a valid checksum, one per number.
pub fn snils(number: u32) -> Snils {
    let body = format!("{:09}", 100_000_000 + number);
    let sum: u32 = body
        .bytes()
        .zip((1..=9_u32).rev())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => (sum % 101) % 100,
    };
    Snils::parse(&format!("{body}{check:02}")).expect("a valid СНИЛС by construction")
}

pub fn phone(number: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+79{:09}", number)).expect("a valid mobile number")
}
