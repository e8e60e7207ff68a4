//! Money as integer pence. Converting from a float happens in one place,
//! [`Pence::round_from_pounds`] / [`Pence::round_from_pence_f64`], with one rule:
//! round half away from zero to the nearest penny.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// An amount of money in whole pence (may be negative: a refund or a deficit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pence(pub i64);

impl Pence {
    /// Nothing.
    pub const ZERO: Pence = Pence(0);

    /// The one rounding function: a float number of pence to whole pence, half away
    /// from zero. Non-finite input is a programming error upstream (config validation
    /// rejects NaN and infinities) and maps to zero.
    pub fn round_from_pence_f64(pence: f64) -> Pence {
        if !pence.is_finite() {
            return Pence::ZERO;
        }
        Pence(pence.round() as i64)
    }

    /// A float number of pounds to whole pence, by [`Pence::round_from_pence_f64`].
    pub fn round_from_pounds(pounds: f64) -> Pence {
        Pence::round_from_pence_f64(pounds * 100.0)
    }

    /// Whole pence.
    pub const fn pence(self) -> i64 {
        self.0
    }

    /// This amount scaled by `factor`, rounded by the one rounding rule.
    pub fn scale(self, factor: f64) -> Pence {
        Pence::round_from_pence_f64(self.0 as f64 * factor)
    }
}

impl std::fmt::Display for Pence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}£{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Pence {
    type Output = Pence;
    fn add(self, rhs: Pence) -> Pence {
        Pence(self.0 + rhs.0)
    }
}
impl AddAssign for Pence {
    fn add_assign(&mut self, rhs: Pence) {
        self.0 += rhs.0;
    }
}
impl Sub for Pence {
    type Output = Pence;
    fn sub(self, rhs: Pence) -> Pence {
        Pence(self.0 - rhs.0)
    }
}
impl SubAssign for Pence {
    fn sub_assign(&mut self, rhs: Pence) {
        self.0 -= rhs.0;
    }
}
impl Neg for Pence {
    type Output = Pence;
    fn neg(self) -> Pence {
        Pence(-self.0)
    }
}
impl Sum for Pence {
    fn sum<I: Iterator<Item = Pence>>(iter: I) -> Pence {
        Pence(iter.map(|p| p.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Pence::round_from_pence_f64(2.5), Pence(3));
        assert_eq!(Pence::round_from_pence_f64(-2.5), Pence(-3));
        assert_eq!(Pence::round_from_pence_f64(2.49), Pence(2));
        assert_eq!(Pence::round_from_pounds(1234.565), Pence(123457));
        assert_eq!(Pence::round_from_pence_f64(f64::NAN), Pence::ZERO);
    }

    #[test]
    fn displays_pounds_and_pence() {
        assert_eq!(Pence(123456).to_string(), "£1234.56");
        assert_eq!(Pence(-5).to_string(), "-£0.05");
        assert_eq!(Pence(100).scale(0.7), Pence(70));
    }
}
