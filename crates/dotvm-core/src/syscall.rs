//! The system-call table: the host services reachable through `SYSCALL n`.
//!
//! Numbers 0..=5 are DotVM's own small calls (exit, printing, reading standard input) on
//! whole words. Numbers 16..=63 are shaped exactly like the WebAssembly System Interface
//! (WASI preview1) functions of the same name: the same parameters in the same order, guest
//! pointers into linear memory as `i32`, 64-bit quantities (timestamps, offsets, rights,
//! cookies) as `i64` (two slots on Arch32), and an `i32` errno result (`proc_exit` returns
//! nothing). The translator maps an import `wasi_snapshot_preview1.NAME` to
//! `SYSCALL n` with [`Syscall::from_wasi_name`].
//!
//! Every call needs a [`Capability`] that the embedder grants for a run (see
//! `docs/syscalls.md`). Numbers missing from the table are reserved.

use crate::arch::Arch;
use crate::isa::ValType::{self, I32, I64, W};

/// A host permission a system call needs. The embedder grants capabilities per run; a call
/// whose capability is missing fails with the WASI errno `ENOTCAPABLE` (76), or traps when
/// it has no error result (`exit`, `proc_exit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Writing to standard output (file descriptor 1).
    Stdout,
    /// Writing to standard error (file descriptor 2).
    Stderr,
    /// Reading standard input (file descriptor 0).
    Stdin,
    /// Reading the program arguments.
    Args,
    /// Reading the environment variables.
    Env,
    /// Reading a clock.
    Clock,
    /// Reading random bytes.
    Random,
    /// Ending the run with an exit code.
    Exit,
    /// Opening, reading, writing and listing files inside preopened directories.
    Files,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 9] = [
        Capability::Stdout,
        Capability::Stderr,
        Capability::Stdin,
        Capability::Args,
        Capability::Env,
        Capability::Clock,
        Capability::Random,
        Capability::Exit,
        Capability::Files,
    ];

    /// Lower-case name (`stdout`, `files`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Stdout => "stdout",
            Capability::Stderr => "stderr",
            Capability::Stdin => "stdin",
            Capability::Args => "args",
            Capability::Env => "env",
            Capability::Clock => "clock",
            Capability::Random => "random",
            Capability::Exit => "exit",
            Capability::Files => "files",
        }
    }
}

/// Which capability a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Needs {
    /// Always this capability.
    Always(Capability),
    /// Decided by the file descriptor: 0 needs [`Capability::Stdin`], 1
    /// [`Capability::Stdout`], 2 [`Capability::Stderr`], any other [`Capability::Files`]
    /// (descriptors of preopened directories and files opened in them).
    ByDescriptor,
    /// Nothing (the call reads no host state).
    Nothing,
}

use Capability as C;
use Needs::{Always, ByDescriptor, Nothing};

/// What the table says about one system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallInfo {
    /// The `SYSCALL` operand.
    pub number: u16,
    /// Assembly name (for WASI calls the WASI function name).
    pub name: &'static str,
    /// The WASI preview1 function this call is shaped like, if any.
    pub wasi: Option<&'static str>,
    /// Parameter types, deepest first (the last parameter is on top of the stack).
    pub params: &'static [ValType],
    /// Result types.
    pub results: &'static [ValType],
    /// The capability the call needs.
    pub needs: Needs,
    /// One-line description.
    pub doc: &'static str,
}

macro_rules! syscall_table {
    ($( $number:literal $variant:ident $name:literal $wasi:expr,
        [$($param:ident),*] -> [$($result:ident),*], $needs:expr, $doc:literal; )*) => {
        /// A system call. The discriminant is the `SYSCALL` operand.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Syscall {
            $( #[doc = $doc] $variant = $number, )*
        }

        impl Syscall {
            /// Every system call, by number.
            pub const ALL: &'static [Syscall] = &[ $( Syscall::$variant, )* ];

            /// The table row for this call.
            pub const fn info(self) -> &'static SyscallInfo {
                match self {
                    $( Syscall::$variant => const { &SyscallInfo {
                        number: $number,
                        name: $name,
                        wasi: $wasi,
                        params: &[$($param),*],
                        results: &[$($result),*],
                        needs: $needs,
                        doc: $doc,
                    } }, )*
                }
            }

            /// The system call with this number, if any.
            pub const fn from_number(number: u16) -> Option<Syscall> {
                match number {
                    $( $number => Some(Syscall::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

/// Shorthand for a WASI name in the table.
const fn wasi(name: &'static str) -> Option<&'static str> {
    Some(name)
}

syscall_table! {
    // ---- DotVM calls on words: 0..=15 ----
    0 Exit "exit" None, [W] -> [], Always(C::Exit),
        "code --: stop the machine; the low 32 bits of `code` are the exit code.";
    1 PrintInt "print_int" None, [W] -> [], Always(C::Stdout),
        "v --: print `v` as a signed decimal integer (no newline).";
    2 PrintUint "print_uint" None, [W] -> [], Always(C::Stdout),
        "v --: print `v` as an unsigned decimal integer (no newline).";
    3 PrintChar "print_char" None, [W] -> [], Always(C::Stdout),
        "c --: print the Unicode scalar value `c` as UTF-8 (U+FFFD when `c` is not one).";
    4 PrintBytes "print_bytes" None, [W, W] -> [], Always(C::Stdout),
        "addr len --: write `len` bytes of memory starting at `addr` to standard output.";
    5 ReadStdin "read_stdin" None, [W, W] -> [W], Always(C::Stdin),
        "addr cap -- n: read up to `cap` bytes of standard input into memory at `addr`; `n` is the number read, 0 at end of input.";
    // ---- WASI: arguments and environment, 16..=19 ----
    16 ArgsGet "args_get" wasi("args_get"), [I32, I32] -> [I32], Always(C::Args),
        "argv argv_buf -- errno: store pointers to the NUL-terminated arguments at `argv` and their bytes at `argv_buf`.";
    17 ArgsSizesGet "args_sizes_get" wasi("args_sizes_get"), [I32, I32] -> [I32], Always(C::Args),
        "argc_ptr buf_size_ptr -- errno: store the argument count and the total size of the NUL-terminated arguments.";
    18 EnvironGet "environ_get" wasi("environ_get"), [I32, I32] -> [I32], Always(C::Env),
        "environ environ_buf -- errno: store pointers to the NUL-terminated `KEY=VALUE` strings and their bytes.";
    19 EnvironSizesGet "environ_sizes_get" wasi("environ_sizes_get"), [I32, I32] -> [I32], Always(C::Env),
        "count_ptr buf_size_ptr -- errno: store the variable count and the total size of the NUL-terminated strings.";
    // ---- WASI: clocks, randomness, process, 20..=31 ----
    20 ClockResGet "clock_res_get" wasi("clock_res_get"), [I32, I32] -> [I32], Always(C::Clock),
        "clock_id res_ptr -- errno: store the clock's resolution in nanoseconds (u64).";
    21 ClockTimeGet "clock_time_get" wasi("clock_time_get"), [I32, I64, I32] -> [I32], Always(C::Clock),
        "clock_id precision time_ptr -- errno: store the clock's time in nanoseconds (u64).";
    22 RandomGet "random_get" wasi("random_get"), [I32, I32] -> [I32], Always(C::Random),
        "buf len -- errno: fill `len` bytes at `buf` with random bytes.";
    23 ProcExit "proc_exit" wasi("proc_exit"), [I32] -> [], Always(C::Exit),
        "code --: stop the machine with exit code `code`.";
    24 SchedYield "sched_yield" wasi("sched_yield"), [] -> [I32], Nothing,
        "-- errno: yield the processor (a no-op for a single-threaded guest).";
    // ---- WASI: file descriptors, 32..=47 ----
    32 FdWrite "fd_write" wasi("fd_write"), [I32, I32, I32, I32] -> [I32], ByDescriptor,
        "fd iovs iovs_len nwritten_ptr -- errno: write the buffers of the `ciovec` array to `fd`; store the byte count.";
    33 FdRead "fd_read" wasi("fd_read"), [I32, I32, I32, I32] -> [I32], ByDescriptor,
        "fd iovs iovs_len nread_ptr -- errno: read from `fd` into the buffers of the `iovec` array; store the byte count (0 at end of file).";
    34 FdPwrite "fd_pwrite" wasi("fd_pwrite"), [I32, I32, I32, I64, I32] -> [I32], ByDescriptor,
        "fd iovs iovs_len offset nwritten_ptr -- errno: like `fd_write` at a file offset, without moving the file position.";
    35 FdPread "fd_pread" wasi("fd_pread"), [I32, I32, I32, I64, I32] -> [I32], ByDescriptor,
        "fd iovs iovs_len offset nread_ptr -- errno: like `fd_read` at a file offset, without moving the file position.";
    36 FdClose "fd_close" wasi("fd_close"), [I32] -> [I32], ByDescriptor,
        "fd -- errno: close `fd`.";
    37 FdSeek "fd_seek" wasi("fd_seek"), [I32, I64, I32, I32] -> [I32], ByDescriptor,
        "fd offset whence newoffset_ptr -- errno: move the file position (whence 0 = start, 1 = current, 2 = end); store the new position (u64).";
    38 FdTell "fd_tell" wasi("fd_tell"), [I32, I32] -> [I32], ByDescriptor,
        "fd offset_ptr -- errno: store the file position (u64).";
    39 FdSync "fd_sync" wasi("fd_sync"), [I32] -> [I32], ByDescriptor,
        "fd -- errno: flush the file's data and metadata to the storage device.";
    40 FdDatasync "fd_datasync" wasi("fd_datasync"), [I32] -> [I32], ByDescriptor,
        "fd -- errno: flush the file's data to the storage device.";
    41 FdFdstatGet "fd_fdstat_get" wasi("fd_fdstat_get"), [I32, I32] -> [I32], ByDescriptor,
        "fd stat_ptr -- errno: store the descriptor's `fdstat` (24 bytes: filetype u8, flags u16, rights base u64, rights inheriting u64).";
    42 FdFdstatSetFlags "fd_fdstat_set_flags" wasi("fd_fdstat_set_flags"), [I32, I32] -> [I32], ByDescriptor,
        "fd flags -- errno: set the descriptor's flags (only `append` on files is supported).";
    43 FdFilestatGet "fd_filestat_get" wasi("fd_filestat_get"), [I32, I32] -> [I32], ByDescriptor,
        "fd stat_ptr -- errno: store the open file's `filestat` (64 bytes).";
    44 FdFilestatSetSize "fd_filestat_set_size" wasi("fd_filestat_set_size"), [I32, I64] -> [I32], ByDescriptor,
        "fd size -- errno: truncate or extend the open file to `size` bytes.";
    45 FdPrestatGet "fd_prestat_get" wasi("fd_prestat_get"), [I32, I32] -> [I32], ByDescriptor,
        "fd prestat_ptr -- errno: store the `prestat` of a preopened directory (tag 0, name length); EBADF for other descriptors.";
    46 FdPrestatDirName "fd_prestat_dir_name" wasi("fd_prestat_dir_name"), [I32, I32, I32] -> [I32], ByDescriptor,
        "fd path path_len -- errno: store the guest name of a preopened directory.";
    47 FdReaddir "fd_readdir" wasi("fd_readdir"), [I32, I32, I32, I64, I32] -> [I32], ByDescriptor,
        "fd buf buf_len cookie bufused_ptr -- errno: store directory entries (`dirent` + name) from position `cookie`; store the bytes used.";
    // ---- WASI: paths inside preopened directories, 48..=63 ----
    48 PathOpen "path_open" wasi("path_open"), [I32, I32, I32, I32, I32, I64, I64, I32, I32] -> [I32], Always(C::Files),
        "dirfd dirflags path path_len oflags rights_base rights_inheriting fdflags fd_ptr -- errno: open a file or directory below `dirfd`; store the new descriptor.";
    49 PathCreateDirectory "path_create_directory" wasi("path_create_directory"), [I32, I32, I32] -> [I32], Always(C::Files),
        "dirfd path path_len -- errno: create a directory.";
    50 PathRemoveDirectory "path_remove_directory" wasi("path_remove_directory"), [I32, I32, I32] -> [I32], Always(C::Files),
        "dirfd path path_len -- errno: remove an empty directory.";
    51 PathUnlinkFile "path_unlink_file" wasi("path_unlink_file"), [I32, I32, I32] -> [I32], Always(C::Files),
        "dirfd path path_len -- errno: remove a file.";
    52 PathFilestatGet "path_filestat_get" wasi("path_filestat_get"), [I32, I32, I32, I32, I32] -> [I32], Always(C::Files),
        "dirfd flags path path_len stat_ptr -- errno: store the `filestat` (64 bytes) of the file at `path`.";
    53 PathRename "path_rename" wasi("path_rename"), [I32, I32, I32, I32, I32, I32] -> [I32], Always(C::Files),
        "old_dirfd old_path old_len new_dirfd new_path new_len -- errno: rename a file or directory.";
}

impl Syscall {
    /// The system call with this assembly name (case-insensitive), if any.
    pub fn from_name(name: &str) -> Option<Syscall> {
        Syscall::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// The system call shaped like the WASI preview1 function `name` (exact spelling), if
    /// DotVM provides it.
    pub fn from_wasi_name(name: &str) -> Option<Syscall> {
        Syscall::ALL
            .iter()
            .copied()
            .find(|s| s.wasi_name() == Some(name))
    }

    /// The `SYSCALL` operand.
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The assembly name (`print_int`, `fd_write`).
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    /// The WASI preview1 function this call is shaped like, if any.
    pub const fn wasi_name(self) -> Option<&'static str> {
        self.info().wasi
    }

    /// Parameter types, deepest first.
    pub const fn params(self) -> &'static [ValType] {
        self.info().params
    }

    /// Result types.
    pub const fn results(self) -> &'static [ValType] {
        self.info().results
    }

    /// `(popped slots, pushed slots)` on `arch`.
    pub fn slots(self, arch: Arch) -> (u32, u32) {
        let count = |types: &[ValType]| types.iter().map(|t| t.slots(arch)).sum();
        (count(self.params()), count(self.results()))
    }

    /// The capability the call needs.
    pub const fn needs(self) -> Needs {
        self.info().needs
    }

    /// One-line description (its stack effect first).
    pub const fn doc(self) -> &'static str {
        self.info().doc
    }
}

/// The capability column of the documentation table.
fn needs_text(needs: Needs) -> String {
    match needs {
        Needs::Always(capability) => format!("`{}`", capability.name()),
        Needs::ByDescriptor => "by descriptor".to_string(),
        Needs::Nothing => "–".to_string(),
    }
}

/// Renders the system-call table as the Markdown kept between the `table` markers of
/// `docs/syscalls.md`.
pub fn markdown_table() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "| number | name | WASI | stack (deepest first) | capability | description |\n\
         |---|---|---|---|---|---|\n",
    );
    for &call in Syscall::ALL {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} |",
            call.number(),
            call.name(),
            if call.wasi_name().is_some() {
                "yes"
            } else {
                "–"
            },
            crate::isa::effect_text(call.params(), call.results()),
            needs_text(call.needs()),
            call.doc().replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscalls_doc_is_current() {
        const BEGIN: &str = "<!-- table: generated by dotvm_core::syscall::markdown_table -->\n";
        const END: &str = "<!-- end table -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/syscalls.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
            panic!("docs/syscalls.md lacks the table markers");
        };
        let current = &doc[start + BEGIN.len()..end];
        let expected = markdown_table();
        if current != expected && std::env::var_os("DOTVM_BLESS").is_some() {
            let updated = format!("{}{expected}{}", &doc[..start + BEGIN.len()], &doc[end..]);
            std::fs::write(path, updated).expect("write docs/syscalls.md");
            return;
        }
        assert!(
            current == expected,
            "docs/syscalls.md is stale: regenerate it with `DOTVM_BLESS=1 cargo test -p dotvm-core syscalls_doc`"
        );
    }

    #[test]
    fn no_system_call_passes_a_vector() {
        // The VM's parameter decoding (and the native ABI) move scalars only.
        for &call in Syscall::ALL {
            assert!(!call.params().contains(&ValType::V128), "{}", call.name());
            assert!(!call.results().contains(&ValType::V128), "{}", call.name());
        }
    }

    #[test]
    fn numbers_and_names_round_trip() {
        let mut names = std::collections::HashSet::new();
        for &call in Syscall::ALL {
            assert_eq!(call.info().number, call.number());
            assert_eq!(Syscall::from_number(call.number()), Some(call));
            assert_eq!(Syscall::from_name(call.name()), Some(call));
            assert!(names.insert(call.name()), "duplicate name {}", call.name());
            if let Some(wasi) = call.wasi_name() {
                assert_eq!(Syscall::from_wasi_name(wasi), Some(call));
                assert_eq!(wasi, call.name());
                assert!((16..=63).contains(&call.number()));
            } else {
                assert!(call.number() < 16);
            }
        }
        assert_eq!(Syscall::from_number(999), None);
        assert_eq!(Syscall::from_number(6), None);
        assert_eq!(Syscall::from_wasi_name("sock_accept"), None);
        assert_eq!(Syscall::from_wasi_name("exit"), None);
    }

    #[test]
    fn wasi_calls_return_an_errno_except_proc_exit() {
        for &call in Syscall::ALL.iter().filter(|c| c.wasi_name().is_some()) {
            let expected: &[ValType] = if call == Syscall::ProcExit {
                &[]
            } else {
                &[I32]
            };
            assert_eq!(call.results(), expected, "{}", call.name());
            assert!(!call.params().contains(&W), "{} takes a word", call.name());
        }
    }

    #[test]
    fn i64_parameters_take_two_slots_on_arch32() {
        assert_eq!(Syscall::ClockTimeGet.slots(Arch::Arch64), (3, 1));
        assert_eq!(Syscall::ClockTimeGet.slots(Arch::Arch32), (4, 1));
        assert_eq!(Syscall::PathOpen.slots(Arch::Arch32), (11, 1));
        assert_eq!(Syscall::PathOpen.slots(Arch::Arch256), (9, 1));
        assert_eq!(Syscall::ReadStdin.slots(Arch::Arch32), (2, 1));
    }
}
