//! The value stack's storage: a `Vec` that grows on demand while the interpreter runs, or,
//! once compiled code needs the whole stack limit in place ([`ValueStack::reserve_whole`]),
//! a private anonymous mapping of fresh zero pages.
//!
//! Compiled code addresses frames directly, so its stack is allocated at its limit before
//! it runs (8 MiB of 64-bit slots by default). From the heap that allocation costs a
//! `memset` of the whole limit on every run: the allocator hands back memory an earlier
//! run freed (glibc raises its mmap threshold after the first such free), and zeroing it
//! took as long as the whole native `matrix` workload (0.33 ms, docs/jit.md "Fixed cost of
//! a run"). A fresh mapping is zero without being written: a run pays only for the pages
//! it touches, and unmapping them at the end of the run gives them back.

use crate::word::Word;
use std::ops::{Deref, DerefMut};

/// The smallest stack (in bytes) worth a mapping of its own; smaller ones stay in a `Vec`.
const MAP_FROM_BYTES: usize = 1 << 20;

/// A machine's value stack: its slots, all initialised.
#[derive(Debug)]
pub(crate) struct ValueStack<W> {
    storage: Storage<W>,
}

/// Where the slots live.
#[derive(Debug)]
enum Storage<W> {
    /// On the heap, growing by doubling.
    Heap(Vec<W>),
    /// In a mapping of fixed size.
    #[cfg(unix)]
    Mapped(Mapping<W>),
}

impl<W: Word> ValueStack<W> {
    /// An empty stack.
    pub(crate) fn new() -> ValueStack<W> {
        ValueStack {
            storage: Storage::Heap(Vec::new()),
        }
    }

    /// Reserves room for `additional` more slots (a heap stack only: a mapped one never
    /// grows).
    pub(crate) fn reserve(&mut self, additional: usize) {
        if let Storage::Heap(slots) = &mut self.storage {
            slots.reserve(additional);
        }
    }

    /// Grows the stack to `slots` slots, the new ones zero (a stack never shrinks).
    pub(crate) fn grow(&mut self, slots: usize) {
        if slots <= self.len() {
            return;
        }
        match &mut self.storage {
            Storage::Heap(heap) => heap.resize(slots, W::ZERO),
            // A mapping holds the whole stack limit, which no frame passes; past it, the
            // slots move to the heap.
            #[cfg(unix)]
            Storage::Mapped(_) => self.reserve_whole(slots),
        }
    }

    /// Makes the stack `slots` slots long (at least one) in storage that does not move
    /// while it is used up to that length, the new slots zero, keeping the old ones: a
    /// mapping of fresh zero pages when it is large (see the module docs), else the heap.
    pub(crate) fn reserve_whole(&mut self, slots: usize) {
        let slots = slots.max(1);
        if self.len() >= slots {
            return;
        }
        #[cfg(unix)]
        if let Some(mut mapping) = std::mem::size_of::<W>()
            .checked_mul(slots)
            .filter(|&bytes| bytes >= MAP_FROM_BYTES)
            .and_then(|_| Mapping::zeroed(slots))
        {
            mapping[..self.len()].copy_from_slice(self);
            self.storage = Storage::Mapped(mapping);
            return;
        }
        match &mut self.storage {
            Storage::Heap(heap) => {
                heap.reserve_exact(slots - heap.len());
                heap.resize(slots, W::ZERO);
            }
            #[cfg(unix)]
            Storage::Mapped(mapping) => {
                let mut heap = Vec::with_capacity(slots);
                heap.extend_from_slice(mapping);
                heap.resize(slots, W::ZERO);
                self.storage = Storage::Heap(heap);
            }
        }
    }
}

impl<W> Deref for ValueStack<W> {
    type Target = [W];

    #[inline]
    fn deref(&self) -> &[W] {
        match &self.storage {
            Storage::Heap(slots) => slots,
            #[cfg(unix)]
            Storage::Mapped(slots) => slots,
        }
    }
}

impl<W> DerefMut for ValueStack<W> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [W] {
        match &mut self.storage {
            Storage::Heap(slots) => slots,
            #[cfg(unix)]
            Storage::Mapped(slots) => slots,
        }
    }
}

/// `len` slots in a private anonymous mapping, unmapped when dropped.
#[cfg(unix)]
struct Mapping<W> {
    ptr: std::ptr::NonNull<W>,
    len: usize,
}

#[cfg(unix)]
impl<W: Word> Mapping<W> {
    /// A mapping of `len` zero slots (`len > 0`), or `None` when the host refuses it (the
    /// caller then uses the heap).
    fn zeroed(len: usize) -> Option<Mapping<W>> {
        let bytes = std::mem::size_of::<W>().checked_mul(len)?;
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing
        // touches no existing memory; the result is checked before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // A mapping is page-aligned, which satisfies every word's alignment.
        let ptr = std::ptr::NonNull::new(ptr.cast::<W>())?;
        Some(Mapping { ptr, len })
    }
}

#[cfg(unix)]
impl<W> Deref for Mapping<W> {
    type Target = [W];

    #[inline]
    fn deref(&self) -> &[W] {
        // SAFETY: the mapping holds `len` slots, readable and writable, owned by `self`;
        // its bytes start zero and are only written as whole `W`s, and `Word` is
        // implemented only for plain integers (`u32`, `u64`, `u128`, ruint's `U256` and
        // `U512`, `#[repr(transparent)]` over `[u64; LIMBS]`) for which every bit pattern,
        // all-zero included, is a valid value (checked by the test `mapped_slots_are_zero`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(unix)]
impl<W> DerefMut for Mapping<W> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [W] {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(unix)]
impl<W> Drop for Mapping<W> {
    fn drop(&mut self) {
        let bytes = std::mem::size_of::<W>() * self.len;
        // SAFETY: `ptr` and `bytes` are exactly the mapping `zeroed` made, which nothing
        // refers to once its owner is dropped. A failure could only leak the range.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), bytes) };
    }
}

#[cfg(unix)]
impl<W> std::fmt::Debug for Mapping<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping").field("len", &self.len).finish()
    }
}

// SAFETY: a `Mapping` owns its memory exclusively, like a `Vec<W>`: sending or sharing it
// is as safe as sending or sharing the slots themselves.
#[cfg(unix)]
unsafe impl<W: Send> Send for Mapping<W> {}
// SAFETY: as above; shared access only reads.
#[cfg(unix)]
unsafe impl<W: Sync> Sync for Mapping<W> {}

#[cfg(test)]
mod tests {
    use super::{MAP_FROM_BYTES, ValueStack};
    use crate::word::Word;
    use ruint::aliases::{U256, U512};

    /// Grows a stack holding one nonzero slot to a mapped whole stack and checks every
    /// slot after it is zero, then that the slots hold what is written.
    fn grows<W: Word>(one: W) {
        let slots = 2 * MAP_FROM_BYTES / std::mem::size_of::<W>();
        let mut stack = ValueStack::new();
        stack.grow(1);
        stack[0] = one;
        stack.reserve_whole(slots);
        assert_eq!(stack.len(), slots);
        assert_eq!(stack[0], one);
        assert!(stack[1..].iter().all(|&w| w == W::ZERO));
        stack[slots - 1] = one;
        assert_eq!(stack[slots - 1], one);
        // Growing within the whole stack keeps it.
        stack.grow(slots / 2);
        assert_eq!(stack.len(), slots);
    }

    #[test]
    fn mapped_slots_are_zero() {
        grows(u32::MAX);
        grows(u64::MAX);
        grows(u128::MAX);
        grows(U256::MAX);
        grows(U512::MAX);
    }

    /// Each whole stack starts zero, whatever the one before it held.
    #[test]
    fn each_whole_stack_starts_zero() {
        let slots = 2 * MAP_FROM_BYTES / 8;
        for _ in 0..3 {
            let mut stack = ValueStack::<u64>::new();
            stack.reserve_whole(slots);
            assert!(stack.iter().all(|&w| w == 0));
            stack.fill(u64::MAX);
        }
    }

    /// A small whole stack stays on the heap, zeroed the same way.
    #[test]
    fn small_stacks_stay_on_the_heap() {
        let mut stack = ValueStack::<u64>::new();
        stack.grow(3);
        stack[2] = 7;
        stack.reserve_whole(100);
        assert_eq!(stack.len(), 100);
        assert_eq!(stack[2], 7);
        assert!(stack[3..].iter().all(|&w| w == 0));
    }
}
