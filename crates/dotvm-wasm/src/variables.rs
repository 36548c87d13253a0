//! Source-level variables from a wasm module's DWARF (`gimli`), in DotVM terms, for the
//! debugger: each `DW_TAG_variable` and `DW_TAG_formal_parameter` of a function with its
//! name, its type (`DW_AT_type`: base types, pointers and references, arrays, C-like
//! enums, structs and tuples by their members) and its location (`DW_AT_location`).
//!
//! Unoptimised Rust for wasm keeps every variable in the shadow stack: its location is
//! `DW_OP_fbreg N` from a frame base that is a wasm local (`DW_OP_WASM_location 0x0 L`).
//! Wasm locals are translated to DotVM local slots (see [`VarLocation::Local`]), wasm
//! globals to DotVM globals, and the wasm code addresses of the scopes (lexical blocks,
//! inlined calls) are compared with the code address of a DotVM pc through the source
//! markers the translator laid out with the code: the same markers the source map is made
//! of. Location lists (optimised code) and other expressions are kept as
//! [`VarLocation::Unsupported`], with the reason.
//!
//! Nothing here is written to the bytecode: the debugger translates the wasm it built and
//! keeps this next to the module. Broken or unsupported DWARF never fails a translation;
//! what cannot be read is left out.

use gimli::{EndianSlice, LittleEndian};
use std::collections::HashMap;

/// The DWARF reader type over the module's bytes.
type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// Index of a [`Type`] in [`Variables::ty`].
pub type TypeId = usize;

/// How a base type's bytes are read (`DW_AT_encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Unsigned integer.
    Unsigned,
    /// Two's complement integer.
    Signed,
    /// IEEE float.
    Float,
    /// `bool`.
    Bool,
    /// A Unicode scalar (`char`).
    Char,
    /// Anything else: shown as bytes.
    Other,
}

/// What kind of type a [`Type`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    /// An integer, float, `bool` or `char`.
    Base(Encoding),
    /// A pointer or reference to the type (unknown for `*const ()` and the like).
    Pointer(Option<TypeId>),
    /// A struct, tuple or union: its members at their byte offsets.
    Struct(Vec<Member>),
    /// An array of `count` elements.
    Array {
        /// The element type.
        element: Option<TypeId>,
        /// The number of elements, when known.
        count: Option<u64>,
    },
    /// A C-like enum: its values and names.
    Enum(Vec<(u64, String)>),
    /// A type shown only by its name and bytes (Rust enums with data, functions, ...).
    Other,
}

/// A struct member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its name (`__0` for tuple fields).
    pub name: String,
    /// Byte offset in the struct.
    pub offset: u64,
    /// Its type, when known.
    pub ty: Option<TypeId>,
}

/// A source-level type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    /// Its name as the compiler wrote it (`u32`, `&u64`, `(u32, u128)`).
    pub name: String,
    /// Its size in bytes, when known.
    pub size: Option<u64>,
    /// Its kind.
    pub kind: TypeKind,
}

/// Where a variable's value (or the frame base) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarLocation {
    /// In memory at the frame base plus this offset (`DW_OP_fbreg`).
    FrameOffset(i64),
    /// In memory at this address (`DW_OP_addr`).
    Address(u64),
    /// The value of a DotVM local slot (a wasm local); `wide` values take two slots on
    /// Arch32, the low half in `slot`.
    Local {
        /// The (first) slot.
        slot: u32,
        /// Two slots.
        wide: bool,
    },
    /// The value of a DotVM global (a wasm global), two slots when `wide`.
    Global {
        /// The (first) global.
        global: u32,
        /// Two slots.
        wide: bool,
    },
    /// Not readable by the debugger, and why.
    Unsupported(String),
}

/// One variable or parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Its source name.
    pub name: String,
    /// True for a parameter.
    pub parameter: bool,
    /// Its type, when known.
    pub ty: Option<TypeId>,
    /// Where it lives.
    pub location: VarLocation,
    /// Source line of its declaration (0 when unknown).
    pub line: u32,
    /// The wasm code ranges where it is in scope (empty: the whole function).
    scope: Vec<(u64, u64)>,
    /// Nesting depth of its scope (an inner variable shadows an outer one).
    depth: usize,
}

/// The variables of one DotVM function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FunctionVariables {
    /// `(pc, wasm address)` of the source markers, in pc order.
    markers: Vec<(u32, u64)>,
    /// The function's frame base (`DW_AT_frame_base`).
    frame_base: Option<VarLocation>,
    /// The pc where its prologue ends (the line table's `prologue_end`), when known.
    body: Option<u32>,
    variables: Vec<Variable>,
}

/// The variables of a translated module, by DotVM function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    types: Vec<Type>,
    functions: HashMap<u32, FunctionVariables>,
}

/// What the translator knows about one function, for [`read`].
pub(crate) struct FunctionLayout {
    /// DotVM function index.
    pub(crate) func: u32,
    /// `(pc, wasm address)` source markers.
    pub(crate) markers: Vec<(u32, u64)>,
    /// First DotVM slot and width (2 = wide) of each wasm local, parameters first.
    pub(crate) locals: Vec<(u32, u32)>,
}

impl Variables {
    /// True when function `func` has DWARF variable information (possibly none in scope).
    pub fn has_function(&self, func: u32) -> bool {
        self.functions.contains_key(&func)
    }

    /// Type `id`.
    pub fn ty(&self, id: TypeId) -> Option<&Type> {
        self.types.get(id)
    }

    /// The pc of `func` where its prologue has ended (the frame base is set and the
    /// parameters stored), from the line table's `prologue_end`, when known.
    pub fn body_pc(&self, func: u32) -> Option<u32> {
        self.functions.get(&func)?.body
    }

    /// The frame base of `func`, the value `DW_OP_fbreg` offsets are added to.
    pub fn frame_base(&self, func: u32) -> Option<&VarLocation> {
        self.functions.get(&func)?.frame_base.as_ref()
    }

    /// The variables in scope at `pc` of `func`: parameters first, then the others in the
    /// order they are declared; of two with one name, the inner one (it shadows).
    pub fn in_scope(&self, func: u32, pc: u32) -> Vec<&Variable> {
        let Some(function) = self.functions.get(&func) else {
            return Vec::new();
        };
        let at = function.markers.partition_point(|&(p, _)| p <= pc);
        let Some(&(_, addr)) = function.markers.get(at.saturating_sub(1)) else {
            return Vec::new();
        };
        let visible: Vec<&Variable> = function
            .variables
            .iter()
            .filter(|v| v.scope.is_empty() || v.scope.iter().any(|&(l, h)| l <= addr && addr < h))
            .collect();
        let mut chosen: Vec<&Variable> = Vec::new();
        for variable in visible {
            match chosen.iter_mut().find(|c| c.name == variable.name) {
                Some(existing) if variable.depth >= existing.depth => *existing = variable,
                Some(_) => {}
                None => chosen.push(variable),
            }
        }
        chosen.sort_by_key(|v| (!v.parameter, v.depth, v.line));
        chosen
    }
}

/// Reads the variables of the functions in `layouts` from the DWARF sections; `globals`
/// gives the first DotVM global and width of each wasm global, `prologue_ends` the
/// (sorted) addresses where the line table marks a prologue's end. `None` when the module
/// has no `.debug_info` or no function could be matched.
pub(crate) fn read(
    sections: &HashMap<&str, &[u8]>,
    layouts: &[FunctionLayout],
    globals: &[(u32, u32)],
    prologue_ends: &[u64],
) -> Option<Variables> {
    if !sections.contains_key(".debug_info") {
        return None;
    }
    let dwarf = gimli::Dwarf::load(|id| -> Result<Reader<'_>, gimli::Error> {
        let bytes = sections.get(id.name()).copied().unwrap_or(&[]);
        Ok(EndianSlice::new(bytes, LittleEndian))
    })
    .ok()?;
    // Functions by the wasm address of their first marker, to find a subprogram's.
    let mut starts: Vec<(u64, usize)> = layouts
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.markers.iter().map(|&(_, a)| a).min().map(|a| (a, i)))
        .collect();
    starts.sort_unstable();
    let mut reader = Builder {
        dwarf: &dwarf,
        layouts,
        starts: &starts,
        globals,
        prologue_ends,
        result: Variables::default(),
        memo: HashMap::new(),
    };
    let mut units = dwarf.units();
    while let Ok(Some(header)) = units.next() {
        let Ok(unit) = dwarf.unit(header) else {
            continue;
        };
        reader.memo.clear();
        // A unit whose entries cannot be read adds what it could.
        let _ = reader.unit(&unit);
    }
    let result = reader.result;
    (!result.functions.is_empty()).then_some(result)
}

/// An open scope while walking a function's entries.
struct Scope {
    depth: isize,
    ranges: Vec<(u64, u64)>,
}

/// Walks the units, filling [`Variables`].
struct Builder<'d, 'a> {
    dwarf: &'d gimli::Dwarf<Reader<'a>>,
    layouts: &'d [FunctionLayout],
    starts: &'d [(u64, usize)],
    globals: &'d [(u32, u32)],
    prologue_ends: &'d [u64],
    result: Variables,
    /// The unit's types already read.
    memo: HashMap<gimli::UnitOffset, TypeId>,
}

impl<'a> Builder<'_, 'a> {
    /// The index in `layouts` of the function whose code starts in `low..high`.
    fn layout_in(&self, low: u64, high: u64) -> Option<usize> {
        let at = self.starts.partition_point(|&(a, _)| a < low);
        let &(addr, index) = self.starts.get(at)?;
        (addr < high).then_some(index)
    }

    /// The code ranges of an entry.
    fn ranges(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        entry: &gimli::DebuggingInformationEntry<Reader<'a>>,
    ) -> gimli::Result<Vec<(u64, u64)>> {
        let mut out = Vec::new();
        let mut ranges = self.dwarf.die_ranges(unit, entry)?;
        while let Some(range) = ranges.next()? {
            if range.begin < range.end {
                out.push((range.begin, range.end));
            }
        }
        Ok(out)
    }

    /// Reads the functions of one unit.
    fn unit(&mut self, unit: &gimli::Unit<Reader<'a>>) -> gimli::Result<()> {
        let mut entries = unit.entries();
        // The function being read: its index in `layouts`, depth, and open scopes.
        let mut current: Option<(usize, isize)> = None;
        let mut scopes: Vec<Scope> = Vec::new();
        while let Some(entry) = entries.next_dfs()? {
            let depth = entry.depth();
            if let Some((_, function_depth)) = current
                && depth <= function_depth
            {
                current = None;
            }
            scopes.retain(|s| s.depth < depth);
            let entry = entry.clone();
            match entry.tag() {
                gimli::DW_TAG_subprogram => {
                    current = None;
                    scopes.clear();
                    let ranges = self.ranges(unit, &entry)?;
                    let low = ranges.iter().map(|r| r.0).min();
                    let high = ranges.iter().map(|r| r.1).max();
                    let Some(index) = low
                        .zip(high)
                        .and_then(|(low, high)| self.layout_in(low, high))
                    else {
                        continue;
                    };
                    let layouts = self.layouts;
                    let layout = &layouts[index];
                    let frame_base = entry
                        .attr_value(gimli::DW_AT_frame_base)
                        .map(|value| self.location(unit, value, layout));
                    let func = layout.func;
                    let markers = layout.markers.clone();
                    // The first prologue end in the function, at a marker (a row starts
                    // there, so there is one).
                    let (low, high) = (low.unwrap_or(0), high.unwrap_or(0));
                    let end = self.prologue_ends.partition_point(|&a| a < low);
                    let body = self
                        .prologue_ends
                        .get(end)
                        .filter(|&&a| a < high)
                        .and_then(|&a| markers.iter().find(|&&(_, m)| m >= a))
                        .map(|&(pc, _)| pc);
                    let slot = self.result.functions.entry(func).or_default();
                    slot.markers = markers;
                    slot.frame_base = frame_base;
                    slot.body = body;
                    current = Some((index, depth));
                    scopes.clear();
                }
                gimli::DW_TAG_lexical_block | gimli::DW_TAG_inlined_subroutine
                    if current.is_some() =>
                {
                    let ranges = self.ranges(unit, &entry)?;
                    scopes.push(Scope { depth, ranges });
                }
                gimli::DW_TAG_variable | gimli::DW_TAG_formal_parameter => {
                    let Some((index, function_depth)) = current else {
                        continue;
                    };
                    let layouts = self.layouts;
                    let layout = &layouts[index];
                    if let Some(variable) =
                        self.variable(unit, &entry, layout, &scopes, depth - function_depth)
                        && let Some(function) = self.result.functions.get_mut(&layout.func)
                    {
                        function.variables.push(variable);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// One variable entry, in the innermost of `scopes` (the function when empty).
    fn variable(
        &mut self,
        unit: &gimli::Unit<Reader<'a>>,
        entry: &gimli::DebuggingInformationEntry<Reader<'a>>,
        layout: &FunctionLayout,
        scopes: &[Scope],
        depth: isize,
    ) -> Option<Variable> {
        // An inlined call's parameters take their name and type from the origin.
        let origin = match entry.attr_value(gimli::DW_AT_abstract_origin) {
            Some(gimli::AttributeValue::UnitRef(offset)) => unit.entry(offset).ok(),
            _ => None,
        };
        let attr = |at| {
            entry
                .attr_value(at)
                .or_else(|| origin.as_ref().and_then(|o| o.attr_value(at)))
        };
        let name = self
            .dwarf
            .attr_string(unit, attr(gimli::DW_AT_name)?)
            .ok()?
            .to_string_lossy()
            .into_owned();
        let ty = match attr(gimli::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(offset)) => self.type_of(unit, offset, 0),
            _ => None,
        };
        let location = match entry.attr_value(gimli::DW_AT_location) {
            Some(value) => self.location(unit, value, layout),
            None => VarLocation::Unsupported("optimised out".into()),
        };
        let line = attr(gimli::DW_AT_decl_line)
            .and_then(|v| v.udata_value())
            .map_or(0, |l| u32::try_from(l).unwrap_or(0));
        Some(Variable {
            name,
            parameter: entry.tag() == gimli::DW_TAG_formal_parameter,
            ty,
            location,
            line,
            scope: scopes.last().map(|s| s.ranges.clone()).unwrap_or_default(),
            depth: usize::try_from(depth).unwrap_or(0),
        })
    }

    /// A `DW_AT_location` or `DW_AT_frame_base` value.
    fn location(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        value: gimli::AttributeValue<Reader<'a>>,
        layout: &FunctionLayout,
    ) -> VarLocation {
        let gimli::AttributeValue::Exprloc(expression) = value else {
            return VarLocation::Unsupported("a location list (optimised code)".into());
        };
        let mut operations = expression.operations(unit.encoding());
        let mut found = None;
        loop {
            let operation = match operations.next() {
                Ok(Some(operation)) => operation,
                Ok(None) => break,
                Err(e) => return VarLocation::Unsupported(format!("unreadable expression: {e}")),
            };
            let here = match operation {
                gimli::Operation::FrameOffset { offset } => VarLocation::FrameOffset(offset),
                gimli::Operation::Address { address } => VarLocation::Address(address),
                gimli::Operation::WasmLocal { index } => match layout.locals.get(index as usize) {
                    Some(&(slot, width)) => VarLocation::Local {
                        slot,
                        wide: width == 2,
                    },
                    None => {
                        return VarLocation::Unsupported(format!(
                            "wasm local {index} does not exist"
                        ));
                    }
                },
                gimli::Operation::WasmGlobal { index } => match self.globals.get(index as usize) {
                    Some(&(global, width)) => VarLocation::Global {
                        global,
                        wide: width == 2,
                    },
                    None => {
                        return VarLocation::Unsupported(format!(
                            "wasm global {index} does not exist"
                        ));
                    }
                },
                // The value of the local or global is the result: what we return.
                gimli::Operation::StackValue => continue,
                other => {
                    return VarLocation::Unsupported(format!("the expression uses {other:?}"));
                }
            };
            if found.is_some() {
                return VarLocation::Unsupported("a composite location".into());
            }
            found = Some(here);
        }
        found.unwrap_or_else(|| VarLocation::Unsupported("an empty location".into()))
    }

    /// The string value of attribute `at` of `entry`.
    fn string(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        entry: &gimli::DebuggingInformationEntry<Reader<'a>>,
        at: gimli::DwAt,
    ) -> Option<String> {
        let value = entry.attr_value(at)?;
        let text = self.dwarf.attr_string(unit, value).ok()?;
        Some(text.to_string_lossy().into_owned())
    }

    /// The type at `offset` (read once per unit; nested types at most 8 deep).
    fn type_of(
        &mut self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
        depth: u32,
    ) -> Option<TypeId> {
        if let Some(&id) = self.memo.get(&offset) {
            return Some(id);
        }
        if depth > 8 {
            return None;
        }
        let entry = unit.entry(offset).ok()?;
        let id = self.result.types.len();
        let name = self.string(unit, &entry, gimli::DW_AT_name);
        let size = entry
            .attr_value(gimli::DW_AT_byte_size)
            .and_then(|v| v.udata_value());
        // Registered before its parts, so that a type refering to itself ends.
        self.result.types.push(Type {
            name: name.clone().unwrap_or_else(|| "?".into()),
            size,
            kind: TypeKind::Other,
        });
        self.memo.insert(offset, id);
        let target = match entry.attr_value(gimli::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(target)) => Some(target),
            _ => None,
        };
        let kind = match entry.tag() {
            gimli::DW_TAG_base_type => {
                let encoding = match entry.attr_value(gimli::DW_AT_encoding) {
                    Some(gimli::AttributeValue::Encoding(e)) => match e {
                        gimli::DW_ATE_unsigned | gimli::DW_ATE_unsigned_char => Encoding::Unsigned,
                        gimli::DW_ATE_signed | gimli::DW_ATE_signed_char => Encoding::Signed,
                        gimli::DW_ATE_float => Encoding::Float,
                        gimli::DW_ATE_boolean => Encoding::Bool,
                        gimli::DW_ATE_UTF => Encoding::Char,
                        _ => Encoding::Other,
                    },
                    _ => Encoding::Other,
                };
                TypeKind::Base(encoding)
            }
            gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_reference_type
            | gimli::DW_TAG_rvalue_reference_type => {
                let pointee = target.and_then(|t| self.type_of(unit, t, depth + 1));
                let pointee_name =
                    pointee.map_or_else(|| "?".to_string(), |p| self.result.types[p].name.clone());
                let ty = &mut self.result.types[id];
                if ty.size.is_none() {
                    ty.size = Some(u64::from(unit.encoding().address_size));
                }
                if name.is_none() {
                    ty.name = format!("*{pointee_name}");
                }
                TypeKind::Pointer(pointee)
            }
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => {
                let Some(inner) = target.and_then(|t| self.type_of(unit, t, depth + 1)) else {
                    return Some(id);
                };
                let mut copy = self.result.types[inner].clone();
                if let (gimli::DW_TAG_typedef, Some(name)) = (entry.tag(), name) {
                    copy.name = name;
                }
                self.result.types[id] = copy;
                return Some(id);
            }
            gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type => {
                self.members(unit, offset, depth)
                    .map_or(TypeKind::Other, TypeKind::Struct)
            }
            gimli::DW_TAG_array_type => {
                let element = target.and_then(|t| self.type_of(unit, t, depth + 1));
                TypeKind::Array {
                    element,
                    count: self.array_count(unit, offset),
                }
            }
            gimli::DW_TAG_enumeration_type => TypeKind::Enum(self.enumerators(unit, offset)),
            _ => TypeKind::Other,
        };
        self.result.types[id].kind = kind;
        Some(id)
    }

    /// The members of a struct, or `None` for a Rust enum with data (a variant part).
    fn members(
        &mut self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
        depth: u32,
    ) -> Option<Vec<Member>> {
        let mut found = Vec::new();
        {
            let mut tree = unit.entries_tree(Some(offset)).ok()?;
            let root = tree.root().ok()?;
            let mut children = root.children();
            while let Ok(Some(child)) = children.next() {
                let entry = child.entry();
                match entry.tag() {
                    gimli::DW_TAG_variant_part => return None,
                    gimli::DW_TAG_member => {
                        if entry.attr_value(gimli::DW_AT_external).is_some() {
                            continue;
                        }
                        let name = self
                            .string(unit, entry, gimli::DW_AT_name)
                            .unwrap_or_default();
                        let at = entry
                            .attr_value(gimli::DW_AT_data_member_location)
                            .and_then(|v| v.udata_value())
                            .unwrap_or(0);
                        let ty = match entry.attr_value(gimli::DW_AT_type) {
                            Some(gimli::AttributeValue::UnitRef(t)) => Some(t),
                            _ => None,
                        };
                        found.push((name, at, ty));
                    }
                    _ => {}
                }
            }
        }
        Some(
            found
                .into_iter()
                .map(|(name, offset, ty)| Member {
                    name,
                    offset,
                    ty: ty.and_then(|t| self.type_of(unit, t, depth + 1)),
                })
                .collect(),
        )
    }

    /// The element count of an array type (its first subrange).
    fn array_count(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
    ) -> Option<u64> {
        let mut tree = unit.entries_tree(Some(offset)).ok()?;
        let root = tree.root().ok()?;
        let mut children = root.children();
        while let Ok(Some(child)) = children.next() {
            let entry = child.entry();
            if entry.tag() != gimli::DW_TAG_subrange_type {
                continue;
            }
            if let Some(count) = entry
                .attr_value(gimli::DW_AT_count)
                .and_then(|v| v.udata_value())
            {
                return Some(count);
            }
            let lower = entry
                .attr_value(gimli::DW_AT_lower_bound)
                .and_then(|v| v.udata_value())
                .unwrap_or(0);
            return entry
                .attr_value(gimli::DW_AT_upper_bound)
                .and_then(|v| v.udata_value())
                .and_then(|upper| (upper + 1).checked_sub(lower));
        }
        None
    }

    /// The enumerators of a C-like enum.
    fn enumerators(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
    ) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        let Ok(mut tree) = unit.entries_tree(Some(offset)) else {
            return out;
        };
        let Ok(root) = tree.root() else {
            return out;
        };
        let mut children = root.children();
        while let Ok(Some(child)) = children.next() {
            let entry = child.entry();
            if entry.tag() != gimli::DW_TAG_enumerator {
                continue;
            }
            let value = match entry.attr_value(gimli::DW_AT_const_value) {
                Some(gimli::AttributeValue::Sdata(v)) => v as u64,
                Some(v) => v.udata_value().unwrap_or(0),
                None => continue,
            };
            if let Some(name) = self.string(unit, entry, gimli::DW_AT_name) {
                out.push((value, name));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_without_dwarf_have_no_variables() {
        assert!(read(&HashMap::new(), &[], &[], &[]).is_none());
        let mut sections = HashMap::new();
        sections.insert(".debug_info", &[0xFFu8, 0xFF, 0x01][..]);
        let layouts = [FunctionLayout {
            func: 0,
            markers: vec![(0, 0)],
            locals: vec![(0, 1)],
        }];
        assert!(read(&sections, &layouts, &[], &[]).is_none());
    }

    #[test]
    fn inner_variables_shadow_outer_ones_and_parameters_come_first() {
        let variable = |name: &str, parameter, scope: Vec<(u64, u64)>, depth, line| Variable {
            name: name.into(),
            parameter,
            ty: None,
            location: VarLocation::FrameOffset(0),
            line,
            scope,
            depth,
        };
        let mut variables = Variables::default();
        variables.functions.insert(
            3,
            FunctionVariables {
                markers: vec![(0, 100), (10, 120), (20, 150)],
                frame_base: None,
                body: Some(10),
                variables: vec![
                    variable("x", false, vec![], 1, 2),
                    variable("n", true, vec![], 1, 1),
                    variable("x", false, vec![(120, 140)], 2, 3),
                ],
            },
        );
        let names = |pc| -> Vec<(String, u32)> {
            variables
                .in_scope(3, pc)
                .iter()
                .map(|v| (v.name.clone(), v.line))
                .collect()
        };
        assert_eq!(names(5), [("n".into(), 1), ("x".into(), 2)]);
        assert_eq!(names(12), [("n".into(), 1), ("x".into(), 3)]);
        assert_eq!(names(25), [("n".into(), 1), ("x".into(), 2)]);
        assert!(variables.in_scope(4, 0).is_empty());
        assert_eq!(variables.body_pc(3), Some(10));
    }
}
