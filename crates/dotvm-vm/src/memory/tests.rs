//! Unit tests for linear memory: bounds, the read-only region, copying and growth.

use super::*;

const PAGE: u64 = PAGE_SIZE;

fn oob(address: u128, len: u64) -> TrapKind {
    TrapKind::OutOfBounds { address, len }
}

/// One page, no maximum, a generous limit, no read-only region.
fn one_page() -> LinearMemory {
    LinearMemory::new(1, None, 1 << 30, 0).unwrap()
}

#[test]
fn new_memory_is_zeroed_and_sized_in_pages() {
    let memory = LinearMemory::new(3, Some(5), 1 << 30, 0).unwrap();
    assert_eq!(memory.size_pages(), 3);
    assert_eq!(memory.size_bytes(), 3 * PAGE);
    assert!(memory.read(0, 3 * PAGE).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn stores_are_little_endian_and_load_back() {
    let mut memory = one_page();
    memory.store(100, 4, 0x1122_3344_u32.to_le_bytes()).unwrap();
    assert_eq!(memory.read(104, 4).unwrap(), &[0x44, 0x33, 0x22, 0x11]);
    assert_eq!(memory.load::<2>(100, 5).unwrap(), [0x33, 0x22]);
    memory.store(8, 0, u64::MAX.to_le_bytes()).unwrap();
    assert_eq!(u64::from_le_bytes(memory.load(0, 8).unwrap()), u64::MAX);
}

#[test]
fn last_bytes_are_in_bounds_and_one_past_the_end_traps() {
    fn check<const N: usize>(memory: &mut LinearMemory) {
        let last = PAGE - N as u64;
        memory.store(last, 0, [0xAB; N]).unwrap();
        assert_eq!(memory.load::<N>(last, 0).unwrap(), [0xAB; N]);
        assert_eq!(
            memory.load::<N>(last + 1, 0),
            Err(oob((last + 1).into(), N as u64))
        );
        assert_eq!(
            memory.load::<N>(last, 1),
            Err(oob((last + 1).into(), N as u64))
        );
        assert_eq!(
            memory.store(last + 1, 0, [0; N]),
            Err(oob((last + 1).into(), N as u64))
        );
        // The failed store left the bytes alone.
        assert_eq!(memory.load::<N>(last, 0).unwrap(), [0xAB; N]);
    }
    let mut memory = one_page();
    check::<1>(&mut memory);
    check::<2>(&mut memory);
    check::<4>(&mut memory);
    check::<8>(&mut memory);
}

#[test]
fn huge_addresses_trap() {
    let mut memory = one_page();
    assert_eq!(memory.load::<1>(u64::MAX, 0), Err(oob(u64::MAX.into(), 1)));
    assert_eq!(memory.load::<8>(PAGE, 0), Err(oob(PAGE.into(), 8)));
    assert_eq!(
        memory.store(u64::MAX - 7, 0, [1; 8]),
        Err(oob((u64::MAX - 7).into(), 8))
    );
    assert_eq!(memory.read(1, u64::MAX), Err(oob(1, u64::MAX)));
    assert_eq!(
        memory.read(u64::MAX, u64::MAX),
        Err(oob(u64::MAX.into(), u64::MAX))
    );
}

#[test]
fn offset_overflow_is_out_of_bounds_at_the_true_address() {
    let mut memory = one_page();
    let beyond = u128::from(u64::MAX) + 3;
    assert_eq!(memory.load::<4>(u64::MAX - 1, 4), Err(oob(beyond, 4)));
    assert_eq!(memory.store(u64::MAX - 1, 4, [0; 4]), Err(oob(beyond, 4)));
    assert_eq!(memory.load_bytes(u64::MAX - 1, 4, 32), Err(oob(beyond, 32)));
    assert_eq!(
        memory.store_bytes(u64::MAX - 1, 4, &[0; 32]),
        Err(oob(beyond, 32))
    );
    // An offset that lands back in memory only by wrapping must not be accepted.
    assert!(memory.load::<1>(u64::MAX, 1).is_err());
}

#[test]
fn wide_words_load_and_store_up_to_the_last_byte() {
    let mut memory = one_page();
    let word: Vec<u8> = (0..64).collect();
    memory.store_bytes(PAGE - 64, 0, &word).unwrap();
    assert_eq!(memory.load_bytes(PAGE - 80, 16, 64).unwrap(), &word[..]);
    assert_eq!(
        memory.load_bytes(PAGE - 63, 0, 64),
        Err(oob((PAGE - 63).into(), 64))
    );
    assert_eq!(
        memory.store_bytes(PAGE - 64, 1, &word),
        Err(oob((PAGE - 63).into(), 64))
    );
}

#[test]
fn read_only_region_can_be_loaded_but_not_written() {
    let mut memory = LinearMemory::with_contents(1, None, 1 << 20, b"hello", &[]).unwrap();
    assert_eq!(memory.ro_end(), 5);
    assert_eq!(memory.read(0, 5).unwrap(), b"hello");
    assert_eq!(memory.load::<1>(4, 0).unwrap(), [b'o']);
    assert_eq!(memory.store(0, 0, [0]), Err(oob(0, 1)));
    assert_eq!(memory.store(0, 4, [0]), Err(oob(4, 1)));
    // A store straddling the end of the region traps too.
    assert_eq!(memory.store(2, 0, [0; 4]), Err(oob(2, 4)));
    assert_eq!(memory.store_bytes(4, 0, &[0; 16]), Err(oob(4, 16)));
    assert_eq!(memory.write(3, b"xy"), Err(oob(3, 2)));
    assert_eq!(memory.read_mut(0, 1), Err(oob(0, 1)));
    assert_eq!(memory.fill(4, 0, 10), Err(oob(4, 10)));
    assert_eq!(memory.copy(1, 10, 2), Err(oob(1, 2)));
    assert_eq!(memory.read(0, 5).unwrap(), b"hello");
    // The first byte after the region is writable, and the region can be copied out.
    memory.store(5, 0, [b'!']).unwrap();
    memory.copy(6, 0, 5).unwrap();
    assert_eq!(memory.read(0, 11).unwrap(), b"hello!hello");
}

#[test]
fn segments_follow_the_read_only_region_and_later_ones_win() {
    let segments = [
        DataSegment {
            offset: 8,
            bytes: b"abcdef".to_vec(),
        },
        DataSegment {
            offset: 10,
            bytes: b"XY".to_vec(),
        },
    ];
    let mut memory = LinearMemory::with_contents(1, None, 1 << 20, b"ro", &segments).unwrap();
    assert_eq!(memory.read(0, 14).unwrap(), b"ro\0\0\0\0\0\0abXYef");
    // Segments are ordinary writable memory.
    memory.write(8, b"z").unwrap();
    assert_eq!(memory.read(8, 1).unwrap(), b"z");
}

#[test]
fn construction_errors_name_the_problem() {
    assert_eq!(
        LinearMemory::new(17, None, 16 * PAGE, 0).unwrap_err(),
        MemoryError::ExceedsLimit {
            pages: 17,
            bytes: 17 * PAGE,
            limit: 16 * PAGE
        }
    );
    assert_eq!(
        LinearMemory::new(3, Some(2), 1 << 30, 0).unwrap_err(),
        MemoryError::ExceedsMaxPages { initial: 3, max: 2 }
    );
    assert_eq!(
        LinearMemory::new(0, None, 1 << 30, 1).unwrap_err(),
        MemoryError::ReadOnlyTooLarge { ro_end: 1, size: 0 }
    );
    let segment = |offset: u64, len: usize| DataSegment {
        offset,
        bytes: vec![7; len],
    };
    for (offset, len) in [(PAGE - 1, 2), (u64::MAX, 1), (3, 4)] {
        let error = LinearMemory::with_contents(
            1,
            None,
            1 << 30,
            b"ro12",
            &[segment(0x10, 1), segment(offset, len)],
        )
        .unwrap_err();
        assert_eq!(
            error,
            MemoryError::SegmentOutOfBounds {
                index: 1,
                offset,
                len: len as u64,
                ro_end: 4,
                size: PAGE
            }
        );
    }
    let message = LinearMemory::new(17, None, 16 * PAGE, 0)
        .unwrap_err()
        .to_string();
    assert!(message.contains("exceeds the memory limit"), "{message}");
}

#[test]
fn zero_length_accesses_at_the_end_are_allowed_but_not_beyond() {
    let mut memory = one_page();
    assert_eq!(memory.read(PAGE, 0).unwrap(), &[] as &[u8]);
    memory.fill(PAGE, 1, 0).unwrap();
    memory.copy(PAGE, PAGE, 0).unwrap();
    assert_eq!(memory.read(PAGE + 1, 0), Err(oob((PAGE + 1).into(), 0)));
    assert_eq!(memory.fill(PAGE + 1, 1, 0), Err(oob((PAGE + 1).into(), 0)));
}

#[test]
fn copy_handles_overlap_in_both_directions() {
    let mut memory = one_page();
    memory.write(10, b"abcdefgh").unwrap();
    // Forwards: destination above the source.
    memory.copy(12, 10, 8).unwrap();
    assert_eq!(memory.read(10, 10).unwrap(), b"ababcdefgh");
    // Backwards: destination below the source.
    memory.write(10, b"abcdefgh").unwrap();
    memory.copy(8, 10, 8).unwrap();
    assert_eq!(memory.read(8, 10).unwrap(), b"abcdefghgh");
}

#[test]
fn copy_and_fill_are_all_or_nothing() {
    let mut memory = one_page();
    memory.write(PAGE - 4, b"wxyz").unwrap();
    memory.write(0, b"abcdefgh").unwrap();
    // Destination runs past the end: nothing copied.
    assert_eq!(memory.copy(PAGE - 4, 0, 8), Err(oob((PAGE - 4).into(), 8)));
    // Source runs past the end: nothing copied.
    assert_eq!(memory.copy(0, PAGE - 4, 8), Err(oob((PAGE - 4).into(), 8)));
    assert_eq!(memory.fill(PAGE - 4, 0, 5), Err(oob((PAGE - 4).into(), 5)));
    assert_eq!(memory.read(PAGE - 4, 4).unwrap(), b"wxyz");
    assert_eq!(memory.read(0, 8).unwrap(), b"abcdefgh");
    memory.fill(2, b'-', 3).unwrap();
    assert_eq!(memory.read(0, 8).unwrap(), b"ab---fgh");
}

#[test]
fn grow_adds_zeroed_pages_and_returns_the_old_size() {
    let mut memory = one_page();
    memory.store(PAGE - 1, 0, [9]).unwrap();
    assert_eq!(memory.grow(0), Some(1));
    assert_eq!(memory.grow(2), Some(1));
    assert_eq!(memory.size_pages(), 3);
    assert_eq!(memory.peak_bytes(), 3 * PAGE);
    assert_eq!(memory.load::<1>(PAGE - 1, 0).unwrap(), [9]);
    assert!(memory.read(PAGE, 2 * PAGE).unwrap().iter().all(|&b| b == 0));
    memory.store(3 * PAGE - 8, 0, [1; 8]).unwrap();
}

#[test]
fn grow_respects_max_pages() {
    let mut memory = LinearMemory::new(1, Some(4), 1 << 30, 0).unwrap();
    assert_eq!(memory.grow(4), None);
    assert_eq!(memory.size_pages(), 1);
    assert_eq!(memory.grow(3), Some(1));
    assert_eq!(memory.grow(1), None);
    assert_eq!(memory.grow(0), Some(4));
}

#[test]
fn grow_respects_the_memory_limit() {
    // A limit that is not a whole number of pages allows only whole pages below it.
    let mut memory = LinearMemory::new(1, Some(100), 3 * PAGE + 100, 0).unwrap();
    assert_eq!(memory.grow(3), None);
    assert_eq!(memory.grow(2), Some(1));
    assert_eq!(memory.grow(1), None);
    assert_eq!(memory.size_bytes(), 3 * PAGE);
}

#[test]
fn grow_by_huge_amounts_is_refused_without_allocating() {
    let mut memory = LinearMemory::new(1, None, u64::MAX, 0).unwrap();
    assert_eq!(memory.grow(u64::MAX), None);
    assert_eq!(memory.grow(u64::MAX / PAGE), None);
    assert_eq!(memory.size_pages(), 1);
}

#[test]
fn debug_output_shows_the_shape_not_the_contents() {
    let memory = LinearMemory::new(2, Some(3), 1 << 30, 7).unwrap();
    let shown = format!("{memory:?}");
    assert_eq!(
        shown,
        "LinearMemory { size_bytes: 131072, ro_end: 7, max_pages: 3, .. }"
    );
}
