//! Running a WASI command under wasmi: the few WASI preview1 functions the workloads
//! import, answered in memory (stdout captured, no arguments or environment, a seeded
//! random source, a virtual clock), like DotVM's deterministic host.

use anyhow::{Context, Result, anyhow};
use wasmi::{Caller, CompilationMode, Config, Engine, Extern, Linker, Module, Store};

/// Host state of one run.
#[derive(Default)]
struct Wasi {
    stdout: Vec<u8>,
    random: u64,
    clock: u64,
}

const WASI: &str = "wasi_snapshot_preview1";
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const ESPIPE: i32 = 70;

/// A compiled module ready to run.
pub(crate) struct Prepared {
    engine: Engine,
    module: Module,
}

/// Compiles `wasm` eagerly (so the timed run excludes translation).
pub(crate) fn prepare(wasm: &[u8]) -> Result<Prepared> {
    let mut config = Config::default();
    config.compilation_mode(CompilationMode::Eager);
    // Deep recursion (the recursion workload nests about 4000 calls), as DotVM's default
    // call-depth limit (10 000) allows.
    config.set_max_recursion_depth(10_000);
    config.set_max_stack_height(64 << 20);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wasm).map_err(|e| anyhow!("wasmi: {e}"))?;
    Ok(Prepared { engine, module })
}

/// The memory slice and host state of a call.
fn memory<'a>(caller: &'a mut Caller<'_, Wasi>) -> Option<(&'a mut [u8], &'a mut Wasi)> {
    let memory = caller.get_export("memory").and_then(Extern::into_memory)?;
    Some(memory.data_and_store_mut(caller))
}

/// `len` bytes at `ptr`, if in bounds.
fn span(data: &[u8], ptr: i32, len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len)?;
    (end <= data.len()).then_some(start..end)
}

fn store_u32(data: &mut [u8], ptr: i32, value: u32) -> bool {
    match span(data, ptr, 4) {
        Some(r) => {
            data[r].copy_from_slice(&value.to_le_bytes());
            true
        }
        None => false,
    }
}

fn load_u32(data: &[u8], ptr: u32) -> Option<u32> {
    let r = span(data, ptr as i32, 4)?;
    Some(u32::from_le_bytes(data[r].try_into().ok()?))
}

fn linker(engine: &Engine) -> Result<Linker<Wasi>> {
    let mut linker = Linker::<Wasi>::new(engine);
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut caller: Caller<'_, Wasi>, fd: i32, iovs: i32, count: i32, nwritten: i32| -> i32 {
            let Some((data, wasi)) = memory(&mut caller) else {
                return EFAULT;
            };
            if fd != 1 && fd != 2 {
                return EBADF;
            }
            let mut total = 0u32;
            for i in 0..count as u32 {
                let at = (iovs as u32).wrapping_add(8 * i);
                let (Some(buf), Some(len)) = (load_u32(data, at), load_u32(data, at + 4)) else {
                    return EFAULT;
                };
                let Some(r) = span(data, buf as i32, len as usize) else {
                    return EFAULT;
                };
                if fd == 1 {
                    wasi.stdout.extend_from_slice(&data[r]);
                }
                total += len;
            }
            if store_u32(data, nwritten, total) {
                0
            } else {
                EFAULT
            }
        },
    )?;
    linker.func_wrap(
        WASI,
        "random_get",
        |mut caller: Caller<'_, Wasi>, buf: i32, len: i32| -> i32 {
            let Some((data, wasi)) = memory(&mut caller) else {
                return EFAULT;
            };
            let Some(r) = span(data, buf, len as u32 as usize) else {
                return EFAULT;
            };
            for byte in &mut data[r] {
                wasi.random = wasi
                    .random
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *byte = (wasi.random >> 56) as u8;
            }
            0
        },
    )?;
    linker.func_wrap(
        WASI,
        "clock_time_get",
        |mut caller: Caller<'_, Wasi>, _id: i32, _precision: i64, ptr: i32| -> i32 {
            let Some((data, wasi)) = memory(&mut caller) else {
                return EFAULT;
            };
            wasi.clock += 1000;
            match span(data, ptr, 8) {
                Some(r) => {
                    data[r].copy_from_slice(&wasi.clock.to_le_bytes());
                    0
                }
                None => EFAULT,
            }
        },
    )?;
    for name in ["args_sizes_get", "environ_sizes_get"] {
        linker.func_wrap(
            WASI,
            name,
            |mut caller: Caller<'_, Wasi>, count: i32, size: i32| -> i32 {
                let Some((data, _)) = memory(&mut caller) else {
                    return EFAULT;
                };
                if store_u32(data, count, 0) && store_u32(data, size, 0) {
                    0
                } else {
                    EFAULT
                }
            },
        )?;
    }
    for name in ["args_get", "environ_get"] {
        linker.func_wrap(WASI, name, |_: Caller<'_, Wasi>, _: i32, _: i32| -> i32 {
            0
        })?;
    }
    linker.func_wrap(
        WASI,
        "proc_exit",
        |_: Caller<'_, Wasi>, code: i32| -> Result<(), wasmi::Error> {
            Err(wasmi::Error::i32_exit(code))
        },
    )?;
    linker.func_wrap(WASI, "fd_close", |_: Caller<'_, Wasi>, _: i32| -> i32 {
        EBADF
    })?;
    linker.func_wrap(
        WASI,
        "fd_prestat_get",
        |_: Caller<'_, Wasi>, _: i32, _: i32| -> i32 { EBADF },
    )?;
    linker.func_wrap(
        WASI,
        "fd_prestat_dir_name",
        |_: Caller<'_, Wasi>, _: i32, _: i32, _: i32| -> i32 { EBADF },
    )?;
    linker.func_wrap(
        WASI,
        "fd_fdstat_get",
        |_: Caller<'_, Wasi>, _: i32, _: i32| -> i32 { EBADF },
    )?;
    linker.func_wrap(
        WASI,
        "fd_seek",
        |_: Caller<'_, Wasi>, _: i32, _: i64, _: i32, _: i32| -> i32 { ESPIPE },
    )?;
    linker.func_wrap(WASI, "sched_yield", |_: Caller<'_, Wasi>| -> i32 { 0 })?;
    Ok(linker)
}

/// Instantiates and runs `_start`; returns the exit code and the captured stdout.
pub(crate) fn run(prepared: &Prepared) -> Result<(i32, Vec<u8>)> {
    let linker = linker(&prepared.engine)?;
    let mut store = Store::new(&prepared.engine, Wasi::default());
    let instance = linker
        .instantiate_and_start(&mut store, &prepared.module)
        .map_err(|e| anyhow!("wasmi: {e}"))?;
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .context("wasmi: no _start")?;
    let code = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => e.i32_exit_status().ok_or_else(|| anyhow!("wasmi: {e}"))?,
    };
    Ok((code, std::mem::take(&mut store.data_mut().stdout)))
}
