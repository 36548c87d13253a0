//! Random `ALLOC`/`FREE` sequences checked against a simple model of the live blocks.
//!
//! Every block the allocator hands out must be 8-aligned, non-zero, inside memory, at or
//! above the heap base (so clear of the read-only region), clear of every other live block
//! and of pages the guest grew itself. Each block is filled with its own tag byte and checked
//! when it is rewritten, freed and at the end, so a block written through another would show.
//! `0` must mean the memory really cannot grow far enough, freed space must be reused, and
//! every address that is not a live block must be refused by `free`.

use std::collections::BTreeMap;

use dotvm_core::module::PAGE_SIZE;
use dotvm_vm::{Allocator, LinearMemory, TrapKind, heap_base};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

/// One step of a random run.
#[derive(Debug, Clone)]
enum Op {
    /// `ALLOC size`.
    Alloc(u64),
    /// `FREE` of a live block.
    Free(Index),
    /// `FREE` of a live block, then `ALLOC` of the same size: must not grow memory.
    FreeRealloc(Index),
    /// `FREE` of an interior pointer of a live block.
    FreeInterior(Index),
    /// `FREE` of an address freed earlier and not live again.
    FreeAgain(Index),
    /// `FREE` of an arbitrary address.
    FreeArbitrary(u64),
    /// Rewrites a live block with a new tag.
    Rewrite(Index),
    /// The guest's `MEMORY_GROW`.
    GuestGrow(u64),
}

fn size() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => 0..64u64,
        3 => 64..4096u64,
        1 => 30_000..140_000u64,
        1 => (u64::MAX - 64)..=u64::MAX,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => size().prop_map(Op::Alloc),
        4 => any::<Index>().prop_map(Op::Free),
        2 => any::<Index>().prop_map(Op::FreeRealloc),
        1 => any::<Index>().prop_map(Op::FreeInterior),
        1 => any::<Index>().prop_map(Op::FreeAgain),
        1 => any::<u64>().prop_map(Op::FreeArbitrary),
        2 => any::<Index>().prop_map(Op::Rewrite),
        1 => (1..3u64).prop_map(Op::GuestGrow),
    ]
}

/// The memory a run starts with.
#[derive(Debug, Clone)]
struct Setup {
    initial_pages: u32,
    max_pages: Option<u32>,
    limit_pages: u64,
    ro_len: usize,
}

fn setup() -> impl Strategy<Value = Setup> {
    (0..3u32, prop::option::of(0..8u32), 0..10u64, 0..300usize).prop_map(
        |(initial_pages, extra_max, extra_limit, ro_len)| Setup {
            initial_pages,
            max_pages: extra_max.map(|extra| initial_pages + extra),
            limit_pages: u64::from(initial_pages) + extra_limit,
            ro_len: if initial_pages == 0 { 0 } else { ro_len },
        },
    )
}

/// The run under test and what the model expects of it.
struct Harness {
    memory: LinearMemory,
    heap: Allocator,
    heap_base: u64,
    /// Live blocks: address → (requested size, tag byte filling it).
    live: BTreeMap<u64, (u64, u8)>,
    /// Addresses freed at some point.
    freed: Vec<u64>,
    /// Page ranges the guest grew, as byte ranges.
    guest: Vec<(u64, u64)>,
    next_tag: u8,
}

/// Bytes a block of `size` must at least span (a zero-sized block still owns its address).
fn span(size: u64) -> u64 {
    size.max(1)
}

impl Harness {
    fn new(setup: &Setup) -> Self {
        let ro: Vec<u8> = (0..setup.ro_len).map(|i| i as u8 | 1).collect();
        let memory = LinearMemory::with_contents(
            setup.initial_pages,
            setup.max_pages,
            setup.limit_pages * PAGE_SIZE,
            &ro,
            &[],
        )
        .unwrap();
        let heap_base = heap_base(memory.ro_end(), &[]);
        let heap = Allocator::new(heap_base, &memory);
        Harness {
            memory,
            heap,
            heap_base,
            live: BTreeMap::new(),
            freed: Vec::new(),
            guest: Vec::new(),
            next_tag: 1,
        }
    }

    fn pick(&self, index: &Index) -> Option<(u64, u64)> {
        if self.live.is_empty() {
            return None;
        }
        let (&addr, &(size, _)) = self.live.iter().nth(index.index(self.live.len()))?;
        Some((addr, size))
    }

    fn alloc(&mut self, size: u64) -> Result<u64, TestCaseError> {
        let before = self.memory.size_bytes();
        let addr = self.heap.alloc(&mut self.memory, size);
        let after = self.memory.size_bytes();
        let need = size.max(1).checked_next_multiple_of(8);
        if addr == 0 {
            prop_assert_eq!(after, before, "a failed ALLOC grew memory");
            if let Some(need) = need {
                // The allocator needs at most one page more than the block itself (to
                // skip the bytes below the heap base when memory starts empty).
                let pages = need.div_ceil(PAGE_SIZE) + 1;
                prop_assert!(
                    self.memory.clone().grow(pages).is_none(),
                    "ALLOC {} returned 0 although memory could grow by {} pages",
                    size,
                    pages
                );
            }
            return Ok(0);
        }
        let need = need.expect("a block was allocated, so its size did not overflow");
        prop_assert!(
            (after - before) / PAGE_SIZE <= need.div_ceil(PAGE_SIZE) + 1,
            "ALLOC {} grew memory from {} to {} bytes",
            size,
            before,
            after
        );
        let end = addr + span(size);
        prop_assert_eq!(addr % 8, 0);
        prop_assert!(addr >= self.heap_base && addr >= self.memory.ro_end());
        prop_assert!(end <= after, "block {:#x}+{} beyond memory", addr, size);
        if let Some((&prev, &(prev_size, _))) = self.live.range(..addr).next_back() {
            prop_assert!(
                prev + span(prev_size) <= addr,
                "overlaps block at {:#x}",
                prev
            );
        }
        if let Some((&next, _)) = self.live.range(addr..).next() {
            prop_assert!(end <= next, "overlaps block at {:#x}", next);
        }
        for &(start, stop) in &self.guest {
            prop_assert!(end <= start || addr >= stop, "block in guest pages");
        }
        self.live.insert(addr, (size, 0));
        self.tag(addr)?;
        Ok(addr)
    }

    /// Fills the live block at `addr` with a fresh tag.
    fn tag(&mut self, addr: u64) -> Result<(), TestCaseError> {
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1).max(1);
        let entry = self.live.get_mut(&addr).unwrap();
        entry.1 = tag;
        let len = usize::try_from(entry.0).unwrap();
        prop_assert!(self.memory.write(addr, &vec![tag; len]).is_ok());
        Ok(())
    }

    /// Checks that the live block at `addr` still holds its tag.
    fn check(&self, addr: u64) -> Result<(), TestCaseError> {
        let (size, tag) = self.live[&addr];
        let bytes = self.memory.read(addr, size).unwrap();
        prop_assert!(
            bytes.iter().all(|&b| b == tag),
            "block {:#x} was overwritten",
            addr
        );
        Ok(())
    }

    fn free(&mut self, addr: u64) -> Result<u64, TestCaseError> {
        self.check(addr)?;
        prop_assert_eq!(self.heap.free(addr), Ok(()));
        let (size, _) = self.live.remove(&addr).unwrap();
        self.freed.push(addr);
        Ok(size)
    }

    fn bad_free(&mut self, addr: u64) -> Result<(), TestCaseError> {
        prop_assert!(!self.live.contains_key(&addr));
        let blocks = self.heap.live_blocks();
        prop_assert_eq!(
            self.heap.free(addr),
            Err(TrapKind::BadFree { address: addr })
        );
        prop_assert_eq!(self.heap.live_blocks(), blocks);
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Alloc(size) => {
                self.alloc(*size)?;
            }
            Op::Free(index) => {
                if let Some((addr, _)) = self.pick(index) {
                    self.free(addr)?;
                }
            }
            Op::FreeRealloc(index) => {
                if let Some((addr, _)) = self.pick(index) {
                    let size = self.free(addr)?;
                    let before = self.memory.size_bytes();
                    prop_assert_ne!(self.alloc(size)?, 0);
                    prop_assert_eq!(self.memory.size_bytes(), before, "freed space not reused");
                }
            }
            Op::FreeInterior(index) => {
                if let Some((addr, size)) = self.pick(index).filter(|&(_, size)| size > 8) {
                    self.bad_free(addr + 8 + (size - 9) / 2)?;
                }
            }
            Op::FreeAgain(index) => {
                if !self.freed.is_empty() {
                    let addr = self.freed[index.index(self.freed.len())];
                    if !self.live.contains_key(&addr) {
                        self.bad_free(addr)?;
                    }
                }
            }
            Op::FreeArbitrary(addr) => {
                if !self.live.contains_key(addr) {
                    self.bad_free(*addr)?;
                }
            }
            Op::Rewrite(index) => {
                if let Some((addr, _)) = self.pick(index) {
                    self.check(addr)?;
                    self.tag(addr)?;
                }
            }
            Op::GuestGrow(pages) => {
                if let Some(old) = self.memory.grow(*pages) {
                    self.guest.push((old * PAGE_SIZE, self.memory.size_bytes()));
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), TestCaseError> {
        let rounded: u64 = self
            .live
            .values()
            .map(|&(size, _)| size.max(1).next_multiple_of(8))
            .sum();
        prop_assert_eq!(self.heap.live_blocks(), self.live.len());
        prop_assert_eq!(self.heap.live_bytes(), rounded);
        let addrs: Vec<u64> = self.live.keys().copied().collect();
        for addr in addrs {
            self.free(addr)?;
        }
        prop_assert_eq!(self.heap.live_blocks(), 0);
        prop_assert_eq!(self.heap.live_bytes(), 0);
        // Without guest growth the allocator owns all of [heap_base, size): once everything
        // is freed it must have merged back into one block, with nothing leaked.
        let size = self.memory.size_bytes();
        if self.guest.is_empty() && size > self.heap_base {
            let whole = self.heap.alloc(&mut self.memory, size - self.heap_base);
            prop_assert_eq!(whole, self.heap_base, "free space leaked or not merged");
            prop_assert_eq!(self.memory.size_bytes(), size);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn allocator_matches_the_model(setup in setup(), ops in prop::collection::vec(op(), 1..80)) {
        let mut harness = Harness::new(&setup);
        for op in &ops {
            harness.apply(op)?;
        }
        harness.finish()?;
    }
}
