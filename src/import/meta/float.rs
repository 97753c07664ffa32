//! `str::parse::<f64>`, exactly, without core's float parser.
//!
//! Why: core's parser carries a 10 KB table of 128-bit powers of five, random-looking bytes
//! that gzip cannot shrink, all for the rare Meta timestamp that is not an integer (see
//! `seconds_of`). This parser is small and slow: it divides big integers bit by bit, which is
//! fine for a number that almost never occurs. It accepts exactly what core accepts and rounds
//! the same way (to nearest, ties to even, subnormals included); the tests compare the two.

use std::cmp::Ordering;

/// What `s.parse::<f64>().ok()` returns.
pub(super) fn parse_f64(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = if ["inf", "infinity"].iter().any(|w| body.eq_ignore_ascii_case(w)) {
        f64::INFINITY
    } else if body.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        parse_decimal(body.as_bytes())?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Significant digits kept: enough to round any decimal correctly (a halfway point between
/// two doubles has at most 767), with one more digit standing in for any nonzero rest.
const MAX_DIGITS: usize = 800;

/// `Digit+ ['.' Digit*] | '.' Digit+`, then an optional `[eE][+-]?Digit+`, correctly rounded.
fn parse_decimal(b: &[u8]) -> Option<f64> {
    let mut digits: Vec<u8> = Vec::new();
    // The value is `digits × 10^exp10` once the exponent is added.
    let mut exp10: i64 = 0;
    let mut sticky = false;
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            d @ b'0'..=b'9' => {
                seen_digit = true;
                if seen_dot {
                    exp10 -= 1;
                }
                if digits.is_empty() && d == b'0' {
                    // A leading zero: not significant.
                } else if digits.len() < MAX_DIGITS {
                    digits.push(d - b'0');
                } else {
                    exp10 += 1;
                    sticky |= d != b'0';
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < b.len() {
        if !matches!(b[i], b'e' | b'E') {
            return None;
        }
        i += 1;
        let negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let exp_digits = &b[i..];
        if exp_digits.is_empty() || !exp_digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturates far beyond where every value is infinite or zero.
        let e = exp_digits.iter().fold(0i64, |e, d| (e * 10 + i64::from(d - b'0')).min(1 << 40));
        exp10 += if negative { -e } else { e };
    }
    if digits.is_empty() {
        return Some(0.0);
    }
    if sticky {
        digits.push(1);
        exp10 -= 1;
    }
    // The value lies in [10^(magnitude-1), 10^magnitude).
    let magnitude = digits.len() as i64 + exp10;
    if magnitude > 310 {
        return Some(f64::INFINITY);
    }
    if magnitude < -330 {
        return Some(0.0);
    }
    let mut num = Big::from_digits(&digits);
    let mut den = Big(vec![1]);
    for _ in 0..exp10.unsigned_abs() {
        if exp10 > 0 { &mut num } else { &mut den }.mul_small(10);
    }
    Some(round_quotient(num, den))
}

/// `num / den` (both nonzero) rounded to the nearest double, ties to even.
fn round_quotient(num: Big, den: Big) -> f64 {
    // The quotient is `q × 2^-k` plus a remainder: pick `k` so that `q` has 53 bits, or fewer
    // where the result is subnormal (the last bit of a subnormal is 2^-1074).
    let mut k = 52 - num.bits() + den.bits();
    let (mut q, mut rem, mut den_shifted) = divide(&num, &den, k);
    if q < 1 << 52 {
        k += 1;
        (q, rem, den_shifted) = divide(&num, &den, k);
    }
    if k > 1074 {
        k = 1074;
        (q, rem, den_shifted) = divide(&num, &den, k);
    }
    rem.shl(1);
    match rem.cmp(&den_shifted) {
        Ordering::Greater => q += 1,
        Ordering::Equal if q & 1 == 1 => q += 1,
        _ => {}
    }
    if q == 1 << 53 {
        q >>= 1;
        k -= 1;
    }
    let exponent = 52 - k;
    if exponent > 1023 {
        return f64::INFINITY;
    }
    if q < 1 << 52 {
        // Subnormal (k is 1074), or zero.
        return f64::from_bits(q);
    }
    f64::from_bits((((exponent + 1023) as u64) << 52) | (q & ((1 << 52) - 1)))
}

/// `floor(num × 2^k / den)` (under 2^54), the remainder, and the divisor it is a remainder of
/// (`den`, shifted left when `k` is negative).
fn divide(num: &Big, den: &Big, k: i64) -> (u64, Big, Big) {
    let (mut rem, mut den) = (num.clone(), den.clone());
    if k >= 0 {
        rem.shl(k as u64);
    } else {
        den.shl(k.unsigned_abs());
    }
    let mut step = den.clone();
    step.shl(53);
    let mut q = 0u64;
    for bit in (0..54).rev() {
        if rem.cmp(&step) != Ordering::Less {
            rem.sub(&step);
            q |= 1 << bit;
        }
        step.shr1();
    }
    (q, rem, den)
}

/// A natural number, 32-bit limbs, least significant first, no zero limbs at the top.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from_digits(digits: &[u8]) -> Big {
        let mut n = Big(Vec::new());
        for &d in digits {
            n.mul_small(10);
            let mut carry = u64::from(d);
            for limb in &mut n.0 {
                let sum = u64::from(*limb) + carry;
                *limb = sum as u32;
                carry = sum >> 32;
            }
            if carry > 0 {
                n.0.push(carry as u32);
            }
        }
        n
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(m) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn bits(&self) -> i64 {
        self.0.last().map_or(0, |top| 32 * self.0.len() as i64 - i64::from(top.leading_zeros()))
    }

    fn shl(&mut self, bits: u64) {
        if self.0.is_empty() {
            return;
        }
        let (limbs, bits) = ((bits / 32) as usize, (bits % 32) as u32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let next = *limb << 31;
            *limb = (*limb >> 1) | carry;
            carry = next;
        }
        self.trim();
    }

    /// `self -= other`, where `other <= self`.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let diff = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            *limb = diff as u32;
            borrow = i64::from(diff < 0);
        }
        self.trim();
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_f64;

    fn same(s: &str) {
        let core = s.parse::<f64>().ok();
        let ours = parse_f64(s);
        assert_eq!(core.map(f64::to_bits), ours.map(f64::to_bits), "{s:?}: core {core:?}, ours {ours:?}");
    }

    #[test]
    fn accepts_and_rounds_as_core_does() {
        for s in [
            "",
            "+",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "1.5.2",
            "1x",
            " 1",
            "1 ",
            "--1",
            "0x10",
            "1_0",
            "١",
            "0",
            "-0",
            "+0.0",
            "0e999999999999999999",
            "1.",
            ".5",
            "-.5e-3",
            "1E3",
            "1e+3",
            "inf",
            "-Infinity",
            "NaN",
            "nan1",
            "1700000000123",
            "1700000000123.456",
            "1700000000123.4567",
            "-1700000000123.999999999999999999",
            "1.7e12",
            "17e11",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "2e308",
            "1e309",
            "1e-307",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "5e-324",
            "1e-324",
            "1e-400",
            "-1e-300",
            "9007199254740993",
            "9007199254740992.5",
            "9007199254740993.0000000000000000000000000001",
            "9007199254740995",
            "4503599627370496.5",
            "4503599627370497.5",
            "0.1",
            "0.2",
            "0.30000000000000004",
            "123456789012345678901234567890",
            "1e22",
            "1e23",
        ] {
            same(s);
        }
    }

    #[test]
    fn long_inputs_round_as_core_does() {
        // Halfway between two doubles, then just above and below it, in 800+ digits.
        let half = "9007199254740993";
        same(&format!("{half}{}", "0".repeat(900)));
        same(&format!("{half}.{}1", "0".repeat(900)));
        same(&format!("{half}{}1e-950", "0".repeat(900)));
        same(&format!("9007199254740992.{}", "9".repeat(900)));
        same(&format!("0.{}1", "0".repeat(320)));
        same(&format!("{}e-1100", "1".repeat(850)));
    }

    #[test]
    fn random_decimals_round_as_core_does() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let digits = 1 + next() % 30;
            let mut s: String = (0..digits).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            if next() % 2 == 0 {
                let at = (next() % (digits + 1)) as usize;
                s.insert(at, '.');
            }
            if next() % 2 == 0 {
                s.push_str(&format!("e{}", (next() % 700) as i64 - 350));
            }
            same(&s);
            let bits = next();
            same(&format!("{:e}", f64::from_bits(bits)));
            same(&format!("{}", f64::from_bits(bits >> 1)));
        }
    }
}
