//! The initializer: the entry function that instantiates the module the way the wasm spec
//! orders it (element segments, then data segments, then the start function), then calls
//! the requested export.

use crate::ir::Code;
use crate::module_info::{ModuleInfo, SegmentMode};
use dotvm_core::instruction::Operand;
use dotvm_core::isa::Opcode;

/// The initializer's code. `static_data` says whether the active data segments were placed
/// in the module's static memory image instead (then they only need dropping, which their
/// empty DotVM segments already are).
pub(crate) fn initializer(
    info: &ModuleInfo<'_>,
    static_data: bool,
    call_last: Option<u32>,
) -> Code {
    let mut code = Code::default();
    for (i, elem) in info.elements.iter().enumerate() {
        let i = i as u32;
        match elem.mode {
            SegmentMode::Active { index, offset } => {
                code.push(offset.into());
                code.push(0);
                code.push(elem.items.len() as u64);
                code.op(
                    Opcode::TableInit,
                    Operand::Pair(info.table(index), info.elem(i)),
                );
                code.op(Opcode::ElemDrop, Operand::Index(info.elem(i)));
            }
            SegmentMode::Declared => code.op(Opcode::ElemDrop, Operand::Index(info.elem(i))),
            SegmentMode::Passive => {}
        }
    }
    if !static_data {
        for (i, data) in info.data.iter().enumerate() {
            if let SegmentMode::Active { offset, .. } = data.mode {
                let i = i as u32;
                code.push(offset.into());
                code.push(0);
                code.push(data.bytes.len() as u64);
                code.op(Opcode::MemoryInit, Operand::Index(info.data(i)));
                code.op(Opcode::DataDrop, Operand::Index(info.data(i)));
            }
        }
    }
    if let Some(start) = info.start {
        code.op(Opcode::Call, Operand::Index(info.func(start)));
    }
    if let Some(f) = call_last {
        code.op(Opcode::Call, Operand::Index(info.func(f)));
    }
    code.simple(Opcode::Ret);
    code
}
