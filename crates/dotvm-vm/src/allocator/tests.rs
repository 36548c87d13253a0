//! Unit tests for the heap allocator: placement, reuse, merging, growth and bad frees.

use super::*;

const PAGE: u64 = PAGE_SIZE;

/// A memory of `pages` pages limited to `max_pages`, and an allocator from `base`.
fn setup(pages: u32, max_pages: Option<u32>, base: u64) -> (LinearMemory, Allocator) {
    let memory = LinearMemory::new(pages, max_pages, 1 << 30, 0).unwrap();
    let allocator = Allocator::new(base, &memory);
    (memory, allocator)
}

fn segment(offset: u64, len: usize) -> DataSegment {
    DataSegment {
        offset,
        bytes: vec![0; len],
    }
}

#[test]
fn heap_base_is_16_aligned_above_constants_and_segments() {
    assert_eq!(heap_base(0, &[]), 16);
    assert_eq!(heap_base(5, &[]), 16);
    assert_eq!(heap_base(17, &[]), 32);
    assert_eq!(heap_base(17, &[segment(40, 9), segment(20, 1)]), 64);
    assert_eq!(heap_base(100, &[segment(20, 1)]), 112);
    assert_eq!(heap_base(0, &[segment(u64::MAX, 1)]), !15);
}

#[test]
fn blocks_start_at_the_heap_base_and_do_not_overlap() {
    let (mut memory, mut heap) = setup(1, None, 48);
    let a = heap.alloc(&mut memory, 10);
    let b = heap.alloc(&mut memory, 1);
    let c = heap.alloc(&mut memory, 24);
    assert_eq!(a, 48);
    // 10 rounds up to 16, 1 to 8.
    assert_eq!(b, 64);
    assert_eq!(c, 72);
    assert_eq!(heap.live_blocks(), 3);
    assert_eq!(heap.live_bytes(), 16 + 8 + 24);
}

#[test]
fn zero_sized_blocks_are_unique_and_freeable() {
    let (mut memory, mut heap) = setup(1, None, 16);
    let a = heap.alloc(&mut memory, 0);
    let b = heap.alloc(&mut memory, 0);
    assert_ne!(a, 0);
    assert_ne!(a, b);
    assert_eq!(a % 8, 0);
    heap.free(a).unwrap();
    heap.free(b).unwrap();
    assert_eq!(heap.live_blocks(), 0);
}

#[test]
fn a_zero_heap_base_never_yields_address_zero() {
    let (mut memory, mut heap) = setup(1, None, 0);
    assert_eq!(heap.alloc(&mut memory, 8), 8);
    let (mut memory, mut heap) = setup(1, None, 3);
    assert_eq!(heap.alloc(&mut memory, 8), 8);
}

#[test]
fn bad_frees_trap() {
    let (mut memory, mut heap) = setup(1, None, 16);
    let a = heap.alloc(&mut memory, 32);
    let bad = |address| Err(TrapKind::BadFree { address });
    assert_eq!(heap.free(a + 8), bad(a + 8), "interior pointer");
    assert_eq!(heap.free(0), bad(0), "null");
    assert_eq!(heap.free(a + 32), bad(a + 32), "never allocated");
    assert_eq!(heap.free(u64::MAX), bad(u64::MAX), "outside memory");
    heap.free(a).unwrap();
    assert_eq!(heap.free(a), bad(a), "double free");
    assert_eq!(heap.live_blocks(), 0);
}

#[test]
fn freed_blocks_are_reused() {
    let (mut memory, mut heap) = setup(1, None, 16);
    let a = heap.alloc(&mut memory, 100);
    let _b = heap.alloc(&mut memory, 100);
    heap.free(a).unwrap();
    assert_eq!(heap.alloc(&mut memory, 100), a);
    heap.free(a).unwrap();
    assert_eq!(heap.alloc(&mut memory, 40), a);
}

#[test]
fn best_fit_prefers_the_smallest_block_that_fits() {
    let (mut memory, mut heap) = setup(1, None, 16);
    let big = heap.alloc(&mut memory, 256);
    let _fence1 = heap.alloc(&mut memory, 8);
    let small = heap.alloc(&mut memory, 32);
    let _fence2 = heap.alloc(&mut memory, 8);
    heap.free(big).unwrap();
    heap.free(small).unwrap();
    assert_eq!(heap.alloc(&mut memory, 24), small);
    assert_eq!(heap.alloc(&mut memory, 24), big);
}

#[test]
fn adjacent_free_blocks_merge() {
    let (mut memory, mut heap) = setup(1, None, 16);
    let a = heap.alloc(&mut memory, 64);
    let b = heap.alloc(&mut memory, 64);
    let c = heap.alloc(&mut memory, 64);
    let _fence = heap.alloc(&mut memory, 8);
    heap.free(a).unwrap();
    heap.free(c).unwrap();
    heap.free(b).unwrap();
    // Only the merged block [a, a + 192) can hold this without growing memory.
    let whole = heap.alloc(&mut memory, 192);
    assert_eq!(whole, a);
    assert_eq!(memory.size_pages(), 1);
}

#[test]
fn growth_is_just_enough_and_extends_the_top_free_block() {
    let (mut memory, mut heap) = setup(1, None, 16);
    // The free block [16, PAGE) plus one more page holds this.
    let a = heap.alloc(&mut memory, PAGE + 100);
    assert_eq!(a, 16);
    assert_eq!(memory.size_pages(), 2);
    // The rest of the second page is still free.
    let b = heap.alloc(&mut memory, PAGE - 200);
    assert_eq!(b, 16 + PAGE + 104);
    assert_eq!(memory.size_pages(), 2);
}

#[test]
fn growth_skips_pages_below_the_heap_base() {
    let (mut memory, mut heap) = setup(0, None, 16);
    let a = heap.alloc(&mut memory, PAGE - 16);
    assert_eq!(a, 16);
    assert_eq!(memory.size_pages(), 1);
    let b = heap.alloc(&mut memory, 8);
    assert_eq!(b, PAGE);
    assert_eq!(memory.size_pages(), 2);
}

#[test]
fn pages_the_guest_grew_are_never_handed_out() {
    let (mut memory, mut heap) = setup(1, None, 16);
    assert_eq!(heap.alloc(&mut memory, PAGE - 24), 16);
    // The guest takes the next page; 8 bytes of our heap remain at PAGE - 8.
    assert_eq!(memory.grow(1), Some(1));
    let tail = heap.alloc(&mut memory, 8);
    assert_eq!(tail, PAGE - 8);
    let a = heap.alloc(&mut memory, 16);
    assert_eq!(a, 2 * PAGE);
    assert_eq!(memory.size_pages(), 3);
    // Our old top block is not merged across the guest's page.
    let b = heap.alloc(&mut memory, PAGE - 16);
    assert_eq!(b, 2 * PAGE + 16);
    assert_eq!(memory.size_pages(), 3);
}

#[test]
fn exhaustion_returns_zero_and_leaves_memory_alone() {
    let (mut memory, mut heap) = setup(1, Some(2), 16);
    assert_eq!(heap.alloc(&mut memory, 2 * PAGE), 0);
    assert_eq!(heap.alloc(&mut memory, u64::MAX), 0);
    assert_eq!(heap.alloc(&mut memory, u64::MAX - 3), 0);
    assert_eq!(memory.size_pages(), 1);
    assert_eq!(heap.live_blocks(), 0);
    // Up to the maximum still works.
    assert_eq!(heap.alloc(&mut memory, 2 * PAGE - 16), 16);
    assert_eq!(heap.alloc(&mut memory, 0), 0);
}

#[test]
fn exhaustion_respects_the_memory_limit() {
    let mut memory = LinearMemory::new(1, None, 2 * PAGE, 0).unwrap();
    let mut heap = Allocator::new(16, &memory);
    assert_eq!(heap.alloc(&mut memory, 2 * PAGE), 0);
    assert_ne!(heap.alloc(&mut memory, PAGE), 0);
    assert_eq!(memory.size_pages(), 2);
}

#[test]
fn a_heap_base_beyond_memory_owns_nothing_until_it_grows() {
    let (mut memory, mut heap) = setup(1, None, 2 * PAGE);
    assert_eq!(heap.alloc(&mut memory, 8), 2 * PAGE);
    assert_eq!(memory.size_pages(), 3);
}

#[test]
fn live_blocks_are_capped_by_the_memory_limit() {
    // One page of maximum memory allows 65536 / 64 = 1024 live blocks.
    let (mut memory, mut allocator) = setup(1, Some(1), 16);
    let cap = PAGE / BYTES_PER_LIVE_BLOCK;
    let blocks: Vec<u64> = (0..cap).map(|_| allocator.alloc(&mut memory, 0)).collect();
    assert!(blocks.iter().all(|&b| b != 0), "the first {cap} blocks fit");
    assert_eq!(allocator.alloc(&mut memory, 0), 0, "one more is refused");
    allocator.free(blocks[0]).unwrap();
    assert_ne!(
        allocator.alloc(&mut memory, 0),
        0,
        "freeing makes room again"
    );
}
