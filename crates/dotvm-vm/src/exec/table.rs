//! Tables, references, element and passive data segments: the state behind the table
//! instructions, `CALL_INDIRECT`, `MEMORY_INIT` and `DATA_DROP`.
//!
//! Table indices, counts and segment offsets are i32 operands: only the low 32 bits of
//! their slots count. A reference slot is 0 for null and `f + 1` for function `f`.

use crate::error::LoadError;
use crate::load::{FuncCode, Program};
use crate::memory::LinearMemory;
use crate::trap::TrapKind;
use crate::word::Word;

/// One table's elements and growth limit.
#[derive(Debug, Clone, Default)]
struct Table<W> {
    elements: Vec<W>,
    max: u32,
}

/// The mutable reference state of a run.
#[derive(Debug, Clone, Default)]
pub(crate) struct RefState<W> {
    tables: Vec<Table<W>>,
    /// The most elements one table may hold: as many as fit the run's memory limit, so a
    /// guest cannot make the host allocate without bound through tables.
    max_elements: u64,
    /// Live element segments (emptied by `ELEM_DROP`).
    elements: Vec<Vec<W>>,
    /// Which passive data segments `DATA_DROP` has emptied.
    data_dropped: Vec<bool>,
}

/// The low 32 bits of an i32 slot.
#[inline(always)]
fn u32_of<W: Word>(w: W) -> u32 {
    w.low_u64() as u32
}

/// `start..start + len` when it lies within `size`.
fn range(start: u32, len: u32, size: usize) -> Option<std::ops::Range<usize>> {
    let end = u64::from(start) + u64::from(len);
    (end <= size as u64).then_some(start as usize..end as usize)
}

impl<W: Word> RefState<W> {
    /// The state a program starts with under a memory limit of `memory_bytes`: null-filled
    /// tables, every segment live. A table whose initial elements take more bytes than the
    /// limit is refused.
    pub(crate) fn new(program: &Program<W>, memory_bytes: u64) -> Result<Self, LoadError> {
        let element_bytes = std::mem::size_of::<W>() as u64;
        let max_elements = memory_bytes / element_bytes;
        let mut tables = Vec::with_capacity(program.tables.len());
        for (index, t) in program.tables.iter().enumerate() {
            if u64::from(t.initial) > max_elements {
                return Err(LoadError::TableTooLarge {
                    table: index,
                    elements: t.initial,
                    bytes: u64::from(t.initial) * element_bytes,
                    limit: memory_bytes,
                });
            }
            tables.push(Table {
                elements: vec![W::ZERO; t.initial as usize],
                max: t.max,
            });
        }
        Ok(RefState {
            tables,
            max_elements,
            elements: program.elements.clone(),
            data_dropped: vec![false; program.data.len()],
        })
    }

    /// Takes over the state of `old`, whose tables and segments are the first ones here
    /// (a module extended by linking).
    pub(crate) fn adopt(&mut self, old: &RefState<W>) {
        for (mine, theirs) in self.tables.iter_mut().zip(&old.tables) {
            mine.clone_from(theirs);
        }
        for (mine, theirs) in self.elements.iter_mut().zip(&old.elements) {
            mine.clone_from(theirs);
        }
        for (mine, theirs) in self.data_dropped.iter_mut().zip(&old.data_dropped) {
            *mine = *theirs;
        }
    }

    /// The number of elements of `table`, if it exists.
    pub(crate) fn table_len(&self, table: u32) -> Option<u32> {
        self.tables
            .get(table as usize)
            .map(|t| t.elements.len() as u32)
    }

    /// The address of each table's elements and their number, for compiled code (valid
    /// until the table next grows).
    pub(crate) fn table_views(&self) -> impl Iterator<Item = (*const W, usize)> + '_ {
        self.tables
            .iter()
            .map(|t| (t.elements.as_ptr(), t.elements.len()))
    }

    /// `TABLE_GET`.
    pub(crate) fn get(&self, table: u32, index: W) -> Result<W, TrapKind> {
        self.tables[table as usize]
            .elements
            .get(u32_of(index) as usize)
            .copied()
            .ok_or(TrapKind::TableOutOfBounds)
    }

    /// `TABLE_SET`.
    pub(crate) fn set(&mut self, table: u32, index: W, value: W) -> Result<(), TrapKind> {
        let slot = self.tables[table as usize]
            .elements
            .get_mut(u32_of(index) as usize)
            .ok_or(TrapKind::TableOutOfBounds)?;
        *slot = value;
        Ok(())
    }

    /// `TABLE_SIZE`.
    pub(crate) fn size(&self, table: u32) -> W {
        W::from_u64(self.tables[table as usize].elements.len() as u64)
    }

    /// `TABLE_GROW`: the old size, or i32 -1 when the table would pass its maximum.
    pub(crate) fn grow(&mut self, table: u32, init: W, delta: W) -> W {
        let table = &mut self.tables[table as usize];
        let old = table.elements.len() as u64;
        let new = old + u64::from(u32_of(delta));
        let refused = W::from_u64(u64::from(u32::MAX));
        if new > u64::from(table.max) || new > self.max_elements {
            return refused;
        }
        // The host may still be short of memory: that refuses the growth too.
        if table
            .elements
            .try_reserve_exact((new - old) as usize)
            .is_err()
        {
            return refused;
        }
        table.elements.resize(new as usize, init);
        W::from_u64(old)
    }

    /// `TABLE_FILL`.
    pub(crate) fn fill(&mut self, table: u32, start: W, value: W, len: W) -> Result<(), TrapKind> {
        let elements = &mut self.tables[table as usize].elements;
        let span =
            range(u32_of(start), u32_of(len), elements.len()).ok_or(TrapKind::TableOutOfBounds)?;
        elements[span].fill(value);
        Ok(())
    }

    /// `TABLE_COPY`.
    pub(crate) fn copy(&mut self, dst: u32, src: u32, d: W, s: W, len: W) -> Result<(), TrapKind> {
        let len = u32_of(len);
        let src_span = range(u32_of(s), len, self.tables[src as usize].elements.len())
            .ok_or(TrapKind::TableOutOfBounds)?;
        let dst_span = range(u32_of(d), len, self.tables[dst as usize].elements.len())
            .ok_or(TrapKind::TableOutOfBounds)?;
        if dst == src {
            self.tables[dst as usize]
                .elements
                .copy_within(src_span, dst_span.start);
        } else {
            let items = self.tables[src as usize].elements[src_span].to_vec();
            self.tables[dst as usize].elements[dst_span].copy_from_slice(&items);
        }
        Ok(())
    }

    /// `TABLE_INIT`.
    pub(crate) fn init(
        &mut self,
        table: u32,
        elem: u32,
        d: W,
        s: W,
        len: W,
    ) -> Result<(), TrapKind> {
        let len = u32_of(len);
        let segment = &self.elements[elem as usize];
        let src_span = range(u32_of(s), len, segment.len()).ok_or(TrapKind::TableOutOfBounds)?;
        let elements = &mut self.tables[table as usize].elements;
        let dst_span = range(u32_of(d), len, elements.len()).ok_or(TrapKind::TableOutOfBounds)?;
        elements[dst_span].copy_from_slice(&segment[src_span]);
        Ok(())
    }

    /// `ELEM_DROP`.
    pub(crate) fn elem_drop(&mut self, elem: u32) {
        self.elements[elem as usize] = Vec::new();
    }

    /// `DATA_DROP`.
    pub(crate) fn data_drop(&mut self, data: u32) {
        self.data_dropped[data as usize] = true;
    }

    /// `MEMORY_INIT`: copies `len` bytes from offset `src` of passive segment `data` to
    /// `dst`.
    pub(crate) fn memory_init(
        &self,
        program: &Program<W>,
        memory: &mut LinearMemory,
        data: u32,
        dst: W,
        src: W,
        len: W,
    ) -> Result<(), TrapKind> {
        let segment: &[u8] = if self.data_dropped[data as usize] {
            &[]
        } else {
            &program.data[data as usize]
        };
        let len = u32_of(len);
        let Some(span) = range(u32_of(src), len, segment.len()) else {
            return Err(TrapKind::OutOfBounds {
                address: u128::from(u32_of(src)),
                len: len.into(),
            });
        };
        let dst = dst.to_address().ok_or(TrapKind::OutOfBounds {
            address: u128::MAX,
            len: len.into(),
        })?;
        memory.write(dst, &segment[span])
    }

    /// The function `CALL_INDIRECT` calls through element `index` of `table`, after
    /// checking that its canonical type is `ty`.
    pub(crate) fn indirect_callee<'p>(
        &self,
        program: &'p Program<W>,
        table: u32,
        index: W,
        ty: u32,
    ) -> Result<(u32, &'p FuncCode<W>), TrapKind> {
        let element = *self.tables[table as usize]
            .elements
            .get(u32_of(index) as usize)
            .ok_or(TrapKind::UndefinedElement)?;
        if element.is_zero() {
            return Err(TrapKind::UninitializedElement);
        }
        // A function reference is the function's index plus one; any other word (one
        // wider than 64 bits included) names no function and fails the type check.
        let func = element.low_u64().wrapping_sub(1);
        let code = usize::try_from(func)
            .ok()
            .and_then(|f| program.functions.get(f));
        match code {
            Some(code) if code.ty == ty && element.to_address().is_some() => {
                Ok((func as u32, code))
            }
            _ => Err(TrapKind::IndirectCallTypeMismatch),
        }
    }
}
