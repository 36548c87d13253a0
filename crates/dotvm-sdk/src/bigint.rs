//! Arbitrary-precision integers in the run's BigInt heap (`docs/crypto.md`). A [`BigInt`]
//! owns one immutable heap object and frees it when dropped; every operation makes a new
//! one. Division, remainder, `modpow` and `modinv` by zero trap, as the instructions do.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
use core::cmp::Ordering;
use core::fmt;

use crate::sys::{self, addr64};

/// An integer in the BigInt heap. Comparisons compare values.
pub struct BigInt(i64);

impl BigInt {
    /// Takes ownership of the handle an instruction returned (`None` for handle 0).
    fn wrap(handle: i64) -> Option<BigInt> {
        (handle != 0).then_some(BigInt(handle))
    }

    /// The handle of an instruction that always returns an object.
    fn new(handle: i64) -> BigInt {
        BigInt(handle)
    }

    /// `value`.
    pub fn from_u64(value: u64) -> BigInt {
        let bytes = value.to_be_bytes();
        // SAFETY: reads the 8 bytes.
        BigInt::new(unsafe { sys::bigint_from_bytes_be(addr64(bytes.as_ptr()), 8) })
    }

    /// `value`.
    pub fn from_i64(value: i64) -> BigInt {
        let bytes = value.to_le_bytes();
        // SAFETY: reads the 8 bytes.
        BigInt::new(unsafe { sys::bigint_from_bytes_le_signed(addr64(bytes.as_ptr()), 8) })
    }

    /// The big-endian unsigned number in `bytes`.
    pub fn from_be_bytes(bytes: &[u8]) -> BigInt {
        // SAFETY: reads `bytes`.
        BigInt::new(unsafe {
            sys::bigint_from_bytes_be(addr64(bytes.as_ptr()), bytes.len() as i64)
        })
    }

    /// Parses an optionally signed decimal integer; `None` when `text` is not one.
    pub fn from_dec(text: &str) -> Option<BigInt> {
        // SAFETY: reads `text`.
        BigInt::wrap(unsafe { sys::bigint_from_dec(addr64(text.as_ptr()), text.len() as i64) })
    }

    /// Writes the decimal text to `buf` when it fits; returns its length either way (so
    /// `to_dec_into(&mut [])` asks for the length).
    pub fn to_dec_into(&self, buf: &mut [u8]) -> usize {
        // SAFETY: writes at most `buf.len()` bytes to `buf`.
        unsafe { sys::bigint_to_dec(self.0, addr64(buf.as_mut_ptr()), buf.len() as i64) as usize }
    }

    /// The decimal text.
    #[cfg(feature = "alloc")]
    pub fn to_dec(&self) -> String {
        let mut buf = alloc::vec![0; self.to_dec_into(&mut [])];
        self.to_dec_into(&mut buf);
        // The instruction writes ASCII digits and a sign.
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Writes the magnitude as big-endian bytes (zero is one byte 0) to `buf` when it
    /// fits; returns its length either way.
    pub fn to_be_bytes_into(&self, buf: &mut [u8]) -> usize {
        // SAFETY: writes at most `buf.len()` bytes to `buf`.
        unsafe {
            sys::bigint_to_bytes_be(self.0, addr64(buf.as_mut_ptr()), buf.len() as i64) as usize
        }
    }

    /// The magnitude as big-endian bytes (zero is one byte 0).
    #[cfg(feature = "alloc")]
    pub fn to_be_bytes(&self) -> Vec<u8> {
        let mut buf = alloc::vec![0; self.to_be_bytes_into(&mut [])];
        self.to_be_bytes_into(&mut buf);
        buf
    }

    /// The value when it fits an `i64`.
    pub fn to_i64(&self) -> Option<i64> {
        let mut bytes = [0u8; 8];
        // SAFETY: writes at most 8 bytes to `bytes`.
        let n = unsafe { sys::bigint_to_bytes_le_signed(self.0, addr64(bytes.as_mut_ptr()), 8) };
        if n > 8 {
            return None;
        }
        if bytes[n as usize - 1] & 0x80 != 0 {
            bytes[n as usize..].fill(0xFF);
        }
        Some(i64::from_le_bytes(bytes))
    }

    /// `self` to the power `exp`.
    pub fn pow(&self, exp: u32) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_pow(self.0, i64::from(exp)) })
    }

    /// `self^exp mod m`, in `[0, m)` for `m > 0`; a negative `exp` uses the inverse
    /// (`None` when there is none).
    pub fn modpow(&self, exp: &BigInt, m: &BigInt) -> Option<BigInt> {
        // SAFETY: no memory is involved.
        BigInt::wrap(unsafe { sys::bigint_modpow(self.0, exp.0, m.0) })
    }

    /// The inverse of `self` modulo `m`, if there is one.
    pub fn modinv(&self, m: &BigInt) -> Option<BigInt> {
        // SAFETY: no memory is involved.
        BigInt::wrap(unsafe { sys::bigint_modinv(self.0, m.0) })
    }

    /// The greatest common divisor (non-negative).
    pub fn gcd(&self, other: &BigInt) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_gcd(self.0, other.0) })
    }

    /// Division rounding toward negative infinity.
    pub fn div_floor(&self, other: &BigInt) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_div_floor(self.0, other.0) })
    }

    /// The remainder of [`BigInt::div_floor`] (the sign of `other`).
    pub fn mod_floor(&self, other: &BigInt) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_mod_floor(self.0, other.0) })
    }

    /// `|self|`.
    pub fn abs(&self) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_abs(self.0) })
    }

    /// `self * 2^n`.
    pub fn shl(&self, n: u32) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_shl(self.0, i64::from(n)) })
    }

    /// `self / 2^n` rounded toward negative infinity.
    pub fn shr(&self, n: u32) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_shr(self.0, i64::from(n)) })
    }
}

impl Drop for BigInt {
    fn drop(&mut self) {
        // SAFETY: the handle is live (this value owns it) and no copy outlives it.
        unsafe { sys::bigint_free(self.0) }
    }
}

impl Clone for BigInt {
    fn clone(&self) -> BigInt {
        // Objects are immutable: a copy is a new object of the same value (|x| keeps x
        // only for x >= 0, so negate twice for the general case).
        // SAFETY: no memory is involved.
        let neg = unsafe { sys::bigint_neg(self.0) };
        // SAFETY: as above; `neg` is a live handle freed right after.
        let copy = unsafe { sys::bigint_neg(neg) };
        // SAFETY: `neg` is live and not used again.
        unsafe { sys::bigint_free(neg) };
        BigInt::new(copy)
    }
}

impl PartialEq for BigInt {
    fn eq(&self, other: &BigInt) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for BigInt {}

impl PartialOrd for BigInt {
    fn partial_cmp(&self, other: &BigInt) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BigInt {
    fn cmp(&self, other: &BigInt) -> Ordering {
        // SAFETY: no memory is involved. The result is -1, 0 or 1 as a word: its low 32
        // bits are the answer on every architecture.
        (unsafe { sys::bigint_cmp(self.0, other.0) } as i32).cmp(&0)
    }
}

impl fmt::Debug for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "alloc")]
        {
            f.pad_integral(true, "", &self.to_dec())
        }
        #[cfg(not(feature = "alloc"))]
        {
            let _ = f;
            Err(fmt::Error)
        }
    }
}

/// `impl Op<&BigInt> for &BigInt` (and the owned forms) for a binary instruction.
macro_rules! binary {
    ($trait:ident $method:ident $import:ident $doc:literal) => {
        impl core::ops::$trait<&BigInt> for &BigInt {
            type Output = BigInt;
            #[doc = $doc]
            fn $method(self, other: &BigInt) -> BigInt {
                // SAFETY: no memory is involved.
                BigInt::new(unsafe { sys::$import(self.0, other.0) })
            }
        }

        impl core::ops::$trait<BigInt> for BigInt {
            type Output = BigInt;
            #[doc = $doc]
            fn $method(self, other: BigInt) -> BigInt {
                core::ops::$trait::$method(&self, &other)
            }
        }
    };
}

binary!(Add add bigint_add "`self + other`.");
binary!(Sub sub bigint_sub "`self - other`.");
binary!(Mul mul bigint_mul "`self * other`.");
binary!(Div div bigint_div "`self / other` rounded toward zero; traps on zero.");
binary!(Rem rem bigint_rem "The remainder of `/` (the sign of `self`); traps on zero.");

impl core::ops::Neg for &BigInt {
    type Output = BigInt;
    fn neg(self) -> BigInt {
        // SAFETY: no memory is involved.
        BigInt::new(unsafe { sys::bigint_neg(self.0) })
    }
}
