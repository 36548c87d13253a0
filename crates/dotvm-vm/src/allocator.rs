//! The heap behind `ALLOC`/`FREE`, with its bookkeeping on the host.
//!
//! The allocator owns the part of initial memory from `heap_base` up, plus every page it
//! grows memory by itself; pages the guest adds with `MEMORY_GROW` are never handed out.
//! Blocks are 8-byte aligned and a multiple of 8 bytes long (at least 8, so `ALLOC 0` gets a
//! unique block). The guest only ever sees addresses: the free list and the table of live
//! blocks live in host maps, so no guest store can corrupt them.
//!
//! Placement is **best fit** (the smallest free block that fits, lowest address among equal
//! sizes), found through a second index of the free blocks ordered by size. Both `alloc` and
//! `free` are O(log n) however fragmented the heap is: a guest pays one instruction per
//! `ALLOC`, so a first-fit scan that a hostile program could make arbitrarily long would let
//! it buy unbounded host work. Best fit also keeps large free blocks intact for longer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dotvm_core::module::{DataSegment, PAGE_SIZE};

use crate::memory::LinearMemory;
use crate::trap::TrapKind;

/// Alignment of every block's address and size.
const ALIGN: u64 = 8;

/// Guest-memory bytes per allowed live block. The bookkeeping of one live block costs the
/// host a few dozen bytes, so a run may hold at most one live block per this many bytes of
/// its maximum memory; this keeps the host's memory bounded by the run's memory limit even
/// for a program that allocates millions of tiny blocks.
const BYTES_PER_LIVE_BLOCK: u64 = 64;

/// Where the heap starts for a program whose read-only region ends at `ro_end` and whose
/// data segments are `segments`: 16-byte aligned above both, and never below 16.
pub fn heap_base(ro_end: u64, segments: &[DataSegment]) -> u64 {
    let end = segments
        .iter()
        .map(|segment| segment.offset.saturating_add(segment.bytes.len() as u64))
        .fold(ro_end, u64::max);
    end.checked_next_multiple_of(16).unwrap_or(!15).max(16)
}

/// A heap allocator over a [`LinearMemory`].
#[derive(Debug, Clone)]
pub struct Allocator {
    /// Lowest address the allocator may hand out (a non-zero multiple of [`ALIGN`]).
    heap_base: u64,
    /// Free blocks, address → size. Adjacent free blocks are always merged.
    free_by_addr: BTreeMap<u64, u64>,
    /// The same free blocks as `(size, address)`, for best-fit lookup.
    free_by_size: BTreeSet<(u64, u64)>,
    /// Live blocks, address → size (rounded up as allocated).
    live: HashMap<u64, u64>,
    /// Sum of the sizes in `live`.
    live_bytes: u64,
}

impl Allocator {
    /// Creates an allocator owning `[heap_base, size of memory)` of `memory` (nothing when
    /// `heap_base` is beyond it). `heap_base` is rounded up to a multiple of 8 and raised to
    /// at least 8, so no block ever starts at address 0.
    pub fn new(heap_base: u64, memory: &LinearMemory) -> Self {
        let heap_base = heap_base
            .checked_next_multiple_of(ALIGN)
            .unwrap_or(!(ALIGN - 1))
            .max(ALIGN);
        let mut allocator = Allocator {
            heap_base,
            free_by_addr: BTreeMap::new(),
            free_by_size: BTreeSet::new(),
            live: HashMap::new(),
            live_bytes: 0,
        };
        let end = memory.size_bytes();
        if heap_base < end {
            allocator.release(heap_base, end - heap_base);
        }
        allocator
    }

    /// Allocates a block of at least `size` bytes and returns its (8-byte-aligned, non-zero)
    /// address, or 0 when neither the free blocks nor growing `memory` can provide it, or
    /// when the run already holds one live block per 64 bytes (`BYTES_PER_LIVE_BLOCK`) of
    /// `memory`'s maximum size.
    /// `memory` must be the memory this allocator was created for.
    pub fn alloc(&mut self, memory: &mut LinearMemory, size: u64) -> u64 {
        if self.live.len() as u64 >= memory.max_bytes() / BYTES_PER_LIVE_BLOCK {
            return 0;
        }
        let Some(need) = size.max(1).checked_next_multiple_of(ALIGN) else {
            return 0;
        };
        let found = self.best_fit(need).or_else(|| {
            self.grow(memory, need)?;
            self.best_fit(need)
        });
        let Some((addr, block)) = found else {
            return 0;
        };
        self.unlink(addr, block);
        if block > need {
            // The rest cannot touch another free block: `block` was already merged.
            self.link(addr + need, block - need);
        }
        self.live.insert(addr, need);
        self.live_bytes += need;
        addr
    }

    /// Releases the block at `addr`. Anything but the start of a live block (a block
    /// already freed, an interior pointer, an address never allocated) is a `BadFree`.
    pub fn free(&mut self, addr: u64) -> Result<(), TrapKind> {
        let size = self
            .live
            .remove(&addr)
            .ok_or(TrapKind::BadFree { address: addr })?;
        self.live_bytes -= size;
        self.release(addr, size);
        Ok(())
    }

    /// Number of live blocks.
    pub fn live_blocks(&self) -> usize {
        self.live.len()
    }

    /// Bytes in live blocks (each block's size rounded up to a multiple of 8, at least 8).
    pub fn live_bytes(&self) -> u64 {
        self.live_bytes
    }

    /// The smallest free block of at least `need` bytes, as `(address, size)`.
    fn best_fit(&self, need: u64) -> Option<(u64, u64)> {
        let &(size, addr) = self.free_by_size.range((need, 0)..).next()?;
        Some((addr, size))
    }

    /// Grows `memory` by just enough pages that a free block of `need` bytes exists, and
    /// adds the new pages to the free list. `None` when memory cannot grow that far.
    fn grow(&mut self, memory: &mut LinearMemory, need: u64) -> Option<()> {
        let old_end = memory.size_bytes();
        // Our own free block at the top of memory extends into the new pages; otherwise
        // (nothing free there, or the guest grew memory since) a fresh block starts at the
        // old end.
        let fresh = old_end.max(self.heap_base);
        let start = match self.free_by_addr.last_key_value() {
            Some((&addr, &size)) if addr + size == old_end => addr,
            _ => fresh,
        };
        let pages = start
            .checked_add(need)?
            .checked_sub(old_end)?
            .div_ceil(PAGE_SIZE);
        memory.grow(pages)?;
        self.release(fresh, memory.size_bytes() - fresh);
        Some(())
    }

    /// Adds `[addr, addr + size)` to the free list, merging it with free neighbours.
    fn release(&mut self, mut addr: u64, mut size: u64) {
        if let Some((&prev, &prev_size)) = self.free_by_addr.range(..addr).next_back()
            && prev + prev_size == addr
        {
            self.unlink(prev, prev_size);
            addr = prev;
            size += prev_size;
        }
        if let Some(&next_size) = self.free_by_addr.get(&(addr + size)) {
            self.unlink(addr + size, next_size);
            size += next_size;
        }
        self.link(addr, size);
    }

    /// Records a free block in both indexes.
    fn link(&mut self, addr: u64, size: u64) {
        self.free_by_addr.insert(addr, size);
        self.free_by_size.insert((size, addr));
    }

    /// Removes a free block from both indexes.
    fn unlink(&mut self, addr: u64, size: u64) {
        self.free_by_addr.remove(&addr);
        self.free_by_size.remove(&(size, addr));
    }
}

#[cfg(test)]
mod tests;
