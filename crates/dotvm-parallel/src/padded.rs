//! [`Padded`]: a value on cache lines of its own, so that the threads writing it do not
//! take away from other threads' caches the data next to it that they only read (false
//! sharing).

use std::ops::Deref;

/// `T` aligned, and so padded, to 128 bytes: two 64-byte cache lines, as x86 processors
/// fetch adjacent lines in pairs.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> Deref for Padded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
