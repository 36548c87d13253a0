//! Command-line syntax of `dotvm` (clap definitions, help texts and examples).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// DotVM: a stack-based bytecode virtual machine.
#[derive(Debug, Parser)]
#[command(
    name = "dotvm",
    version,
    about = "DotVM: a stack-based bytecode virtual machine",
    after_help = "Examples:\n  dotvm run examples/hello.rs\n  dotvm run examples/cargo-project -- alpha beta\n  dotvm transpile -i examples/fibonacci.rs -o fib.dotvm --opt-level 3\n  dotvm run examples/hello.dasm\n  dotvm asm examples/fib_recursive.dasm -o fib.dotvm\n  dotvm run fib.dotvm --verbose\n  dotvm disasm fib.dotvm\n  dotvm inspect fib.dotvm --json\n\nExit status: the program's own exit code; 1 when the input cannot be read, assembled or\nverified; 2 for command-line mistakes; 70 when the program traps."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a program: `.dotvm` bytecode, `.dasm` assembly, or a Rust file, Cargo project,
    /// `.wasm` or `.wat` (transpiled in memory).
    #[command(
        after_help = "Examples:\n  dotvm run examples/hello.rs\n  dotvm run examples/fibonacci.rs -- 30\n  dotvm run examples/cargo-project --env LANG=C -- alpha beta\n  dotvm run prog.wasm --dir data --deterministic\n  dotvm run examples/hello.dasm\n  dotvm run --arch arch32 examples/fib_iterative.dasm\n  dotvm run prog.dotvm --max-instructions 1000000 --verbose\n  dotvm run prog.dotvm --debug 2> trace.txt\n  dotvm run prog.dotvm --step\n  dotvm run examples/cat.dasm < examples/cat.in\n\nIn --step mode the debugger reads its commands from standard input; the program then reads\nits own input from --input FILE (or sees end of input).\n\nCapabilities: a program may print, read stdin, read its arguments (after --) and the\nvariables given with --env, read the clock, get random bytes and exit. It sees files only\ninside directories granted with --dir (--dir-ro: read only), and uses the state database\n(--db-ro: read only). --deterministic replaces the clock and the random source with\nreproducible ones; --deny CAP withholds a capability; --sandbox grants only what --allow CAP,\n--dir, --dir-ro, --env and --db-ro name. Capabilities: stdin stdout stderr args env clock\nrandom exit files db. A refused call is reported on stderr when the run fails\n(`denied: path_open (no --dir granted)`)."
    )]
    Run(Box<RunArgs>),
    /// Debug a program at the source level: breakpoints, stepping, backtraces, locals,
    /// memory and watchpoints. Takes the same inputs and flags as `run`.
    #[command(
        after_help = "Examples:\n  dotvm debug examples/fibonacci.rs -- 10\n  dotvm debug examples/fib_recursive.dasm\n  printf 'break fibonacci.rs:5\\nrun\\nprint n\\nbacktrace\\nquit\\n' | dotvm debug examples/fibonacci.rs\n\nRust inputs are built unoptimised with full debug info; `.dasm` files are assembled with a\nline table. On a terminal the debugger has line editing and history (prompt `(dotvm)`);\notherwise it reads one command per line from standard input, without prompts, so it can\nbe scripted. The program's own standard input comes from --program-input FILE (or is\nempty). Type `help` for the commands: break, delete, run, continue, step, stepi, next,\nfinish, backtrace, frame, locals, print, x, watch, info breakpoints, quit."
    )]
    Debug(Box<DebugArgs>),
    /// Profile a program exactly: instructions per function (self and inclusive), calls,
    /// hottest source lines and opcodes. Takes the same inputs and flags as `run`.
    #[command(
        after_help = "Examples:\n  dotvm profile examples/fibonacci.rs -- 25\n  dotvm profile examples/fib_recursive.dasm --json\n  dotvm profile examples/fibonacci.rs --flamegraph fib.svg --folded fib.folded\n\nCounts are exact: every instruction the program executes is attributed to the function\nand source line it belongs to, and the counts add up to the run's instruction count\n(`dotvm run --verbose`). The profiler runs the precise interpreter, which is slower than\n`dotvm run`'s engine (see docs/tools.md for the measured overhead); the times it shows\nare measured under it."
    )]
    Profile(Box<ProfileArgs>),
    /// Compile a Rust file, Cargo project, `.wasm` or `.wat` to DotVM bytecode.
    #[command(
        after_help = "Examples:\n  dotvm transpile -i examples/hello.rs -o hello.dotvm\n  dotvm transpile -i examples/cargo-project -o app.dotvm --opt-level 3 --verbose\n  dotvm transpile -i prog.wat -o prog.dotvm --strip\n\nThe bytecode keeps function names and a source map (file, line and column of every\ninstruction, from the DWARF line tables rustc writes) for backtraces, `dotvm debug` and\n`dotvm profile`; --strip leaves them out.\n\nRust inputs are compiled with rustc (or cargo) for wasm32-wasip1; a missing target is\ninstalled with `rustup target add wasm32-wasip1`. Every import must be a WASI preview1\nfunction DotVM provides; otherwise all missing imports are listed."
    )]
    Transpile(TranspileArgs),
    /// Assemble `.dasm` text into `.dotvm` bytecode.
    #[command(
        after_help = "Examples:\n  dotvm asm examples/hello.dasm -o hello.dotvm\n  dotvm asm prog.dasm -o prog.dotvm --arch arch64 --line-table"
    )]
    Asm(AsmArgs),
    /// Print a bytecode file as assembly text that assembles back to the same bytes.
    #[command(
        after_help = "Examples:\n  dotvm disasm hello.dotvm\n  dotvm disasm hello.dotvm -o hello.dasm"
    )]
    Disasm(DisasmArgs),
    /// Check a bytecode file (format, signature and verifier) without running it.
    #[command(
        after_help = "Examples:\n  dotvm verify hello.dotvm\n  dotvm verify hello.signed.dotvm --trusted-key alice.pub\n\nA signed file's signature is always checked; with --trusted-key (or DOTVM_TRUSTED_KEYS,\npaths separated by `:`) the file must be signed by one of those keys."
    )]
    Verify(VerifyArgs),
    /// Create an Ed25519 key pair for signing bytecode: NAME.key (secret, mode 0600) and
    /// NAME.pub.
    #[command(after_help = "Examples:\n  dotvm keygen -o alice")]
    Keygen(KeygenArgs),
    /// Sign a bytecode file (or a program built in memory) with a secret key.
    #[command(
        after_help = "Examples:\n  dotvm sign app.dotvm --key alice.key -o app.signed.dotvm\n  dotvm run --require-signed --trusted-key alice.pub app.signed.dotvm\n\nThe signature section covers every byte of the file before it (docs/bytecode-format.md)."
    )]
    Sign(SignArgs),
    /// Check or print an audit log written by `dotvm run --audit`.
    #[command(
        after_help = "Examples:\n  dotvm audit verify runs.log\n  dotvm audit show runs.log\n  dotvm audit show runs.log --json\n  dotvm audit rotate runs.log\n  dotvm audit verify runs.log --after runs.log.1\n\n`verify` checks every record's hash and the chain, and names the first broken record\n(exit status 1). Keep the last hash it prints elsewhere: removing the last records of a\nlog cannot be detected from the log alone."
    )]
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Show a bytecode file's header, sections, functions, exports and sizes.
    #[command(
        after_help = "Examples:\n  dotvm inspect hello.dotvm\n  dotvm inspect hello.dotvm --json"
    )]
    Inspect(InspectArgs),
    /// Inspect and edit the state database that programs use through the DB opcodes.
    #[command(
        after_help = "Examples:\n  dotvm db --state /tmp/app.redb collections\n  dotvm db --state /tmp/app.redb put users alice '{\"age\":31}'\n  dotvm db --state /tmp/app.redb scan users --prefix al --limit 10\n  dotvm db --state /tmp/app.redb scan users --where 'age>=30' --json\n  dotvm db --state /tmp/app.redb index create users age\n  dotvm db --state /tmp/app.redb export > backup.jsonl\n  dotvm db --state /tmp/new.redb import backup.jsonl\n  dotvm db --state /tmp/app.redb --hex get 00ff 0102\n\nWithout --state the default state file of `dotvm run` is used. Binary names, keys and values\nprint escaped (\\xNN) in text and as NAME_hex fields in JSON."
    )]
    Db(DbArgs),
    /// Serve dots over HTTP: deploy modules, run them against shared state (docs/distributed.md).
    #[command(
        after_help = "Examples:\n  dotvm serve --state /tmp/app.redb\n  dotvm serve --state postgres://dotvm@db:5432/app --listen 0.0.0.0:8080 --tokens tokens.txt\n\nEndpoints: POST /v1/dots (module as the body), GET /v1/dots, GET|DELETE /v1/dots/ID,\nPOST /v1/dots/ID/run ({\"args\":[],\"env\":{},\"stdin\":\"\"}), GET /healthz, GET /metrics.\nThe token file has one `TOKEN SCOPE[,SCOPE]` per line (scopes: deploy, run, admin; `#` comments)\nand is re-read on SIGHUP. Without --tokens only loopback addresses may be listened on."
    )]
    Serve(ServeArgs),
    /// Run a batch of jobs (JSON lines) over one state in parallel, with the result of running
    /// them one by one in order (docs/parallel.md).
    #[command(
        after_help = "Examples:\n  dotvm batch --state /tmp/app.redb jobs.jsonl\n  dotvm batch --state /tmp/app.redb --jobs 4 --verbose jobs.jsonl\n\nEach line: {\"program\": \"path\", \"args\": [...], \"env\": {\"K\": \"V\"}, \"stdin\": \"text\"}\n(all fields but program optional; paths relative to the batch file). Prints one line per\njob in order: {\"job\": I, \"exit\": CODE, \"stdout\": ..., \"stderr\": ..., \"executions\": N}.\nThe batch's writes commit together at the end; bad lines are reported before anything runs."
    )]
    Batch(crate::commands::batch::BatchArgs),
}

/// `dotvm serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The state: a redb file, `:memory:`, or a PostgreSQL URL `postgres://user@host:port/db`
    /// (default: $DOTVM_STATE, else dotvm/state.redb in the user's data directory). Several
    /// servers may share one PostgreSQL database; a redb file belongs to one server.
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<String>,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// The token file (`TOKEN SCOPE[,SCOPE]` lines); without it no token is asked for and
    /// only a loopback --listen address is accepted.
    #[arg(long, value_name = "PATH")]
    pub tokens: Option<PathBuf>,
    /// Fuel of each run (instructions plus crypto costs).
    #[arg(long, value_name = "N", default_value_t = 100_000_000)]
    pub max_instructions: u64,
    /// Linear memory of each run, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub memory_limit: u64,
    /// Wall-clock limit of each run attempt, in milliseconds (0: none).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Largest request body (a module or a run request), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    pub max_body: usize,
    /// Runs at once; further run requests get 503 until one ends.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_concurrent: u32,
}

/// How Rust and WebAssembly inputs are built (shared by `run` and `transpile`).
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// Optimisation level for rustc/cargo and the translator.
    #[arg(long, value_name = "0..3", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub opt_level: u8,
    /// Keep the intermediate WebAssembly and say where it is.
    #[arg(long)]
    pub keep_intermediate: bool,
    /// Directory for rustc/cargo build output.
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    /// No build progress or notes (rustc's warnings included): only the program's
    /// output and errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Build Rust with WebAssembly's 128-bit vectors (`-C target-feature=+simd128`):
    /// `core::arch::wasm32` intrinsics, and loops LLVM vectorises, run as v128
    /// instructions. A `.wasm` that uses SIMD runs without it.
    #[arg(long)]
    pub simd: bool,
}

/// `dotvm transpile`.
#[derive(Debug, Args)]
pub struct TranspileArgs {
    /// The input: a `.rs` file, a Cargo project directory, a `.wasm` or a `.wat` file.
    #[arg(short, long, value_name = "INPUT")]
    pub input: PathBuf,
    /// Where to write the bytecode.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: PathBuf,
    /// Architecture of the produced bytecode.
    #[arg(short, long, value_name = "ARCH", default_value = "arch64")]
    pub arch: dotvm_core::Arch,
    /// Build settings.
    #[command(flatten)]
    pub build: BuildArgs,
    /// Kept for compatibility: function names and the source map (file, line, column of
    /// every instruction, from the DWARF line tables) are kept unless --strip is given.
    #[arg(long, conflicts_with = "strip")]
    pub debug: bool,
    /// Drop the debug section (function names and source map): smaller bytecode, traps
    /// and tools show only bytecode functions and pcs.
    #[arg(long)]
    pub strip: bool,
    /// Print what was built (sizes, counts, times) as a JSON object on standard output.
    #[arg(long)]
    pub json: bool,
    /// Print what runs and how long each stage takes.
    #[arg(long, short)]
    pub verbose: bool,
}

/// A capability `--deny` withholds and `--allow` grants under `--sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CapabilityName {
    /// Reading standard input.
    Stdin,
    /// Writing standard output.
    Stdout,
    /// Writing standard error.
    Stderr,
    /// Reading the program arguments.
    Args,
    /// Reading the environment.
    Env,
    /// Reading the clock.
    Clock,
    /// Getting random bytes.
    Random,
    /// Exiting with a code.
    Exit,
    /// Files inside the directories granted with --dir and --dir-ro.
    Files,
    /// The state database (read-write, or read-only with --db-ro).
    Db,
}

impl CapabilityName {
    /// Every capability, in the order `--help` lists them.
    pub const ALL: [CapabilityName; 10] = [
        CapabilityName::Stdin,
        CapabilityName::Stdout,
        CapabilityName::Stderr,
        CapabilityName::Args,
        CapabilityName::Env,
        CapabilityName::Clock,
        CapabilityName::Random,
        CapabilityName::Exit,
        CapabilityName::Files,
        CapabilityName::Db,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            CapabilityName::Stdin => "stdin",
            CapabilityName::Stdout => "stdout",
            CapabilityName::Stderr => "stderr",
            CapabilityName::Args => "args",
            CapabilityName::Env => "env",
            CapabilityName::Clock => "clock",
            CapabilityName::Random => "random",
            CapabilityName::Exit => "exit",
            CapabilityName::Files => "files",
            CapabilityName::Db => "db",
        }
    }
}

/// `dotvm debug`.
#[derive(Debug, Args)]
pub struct DebugArgs {
    /// The program and the flags of `dotvm run`.
    #[command(flatten)]
    pub run: RunArgs,
    /// A file the program reads as its standard input (the debugger reads commands from
    /// the terminal or standard input).
    #[arg(long, value_name = "FILE")]
    pub program_input: Option<PathBuf>,
}

/// `dotvm profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The program and the flags of `dotvm run`.
    #[command(flatten)]
    pub run: RunArgs,
    /// Write folded stacks (`main;fib;fib 1234`, one line per stack) to PATH.
    #[arg(long, value_name = "PATH")]
    pub folded: Option<PathBuf>,
    /// Write an SVG flamegraph of instruction counts to PATH.
    #[arg(long, value_name = "PATH.svg")]
    pub flamegraph: Option<PathBuf>,
    /// How many functions, lines and opcodes the table shows.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
}

/// `dotvm run --engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineName {
    /// Interpret at once while a second thread compiles; calls run native code once it is
    /// ready (32- to 128-bit words, hosts with two or more CPUs; otherwise interpret).
    Auto,
    /// The JIT (Cranelift), compiling the whole program before it runs.
    Jit,
    /// The interpreter.
    Interp,
}

/// `dotvm run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program: `.dotvm` bytecode, `.dasm` assembly, a `.rs` file, a Cargo project
    /// directory, a `.wasm` or a `.wat` file.
    pub file: PathBuf,
    /// Build settings for Rust and WebAssembly inputs.
    #[command(flatten)]
    pub build: BuildArgs,
    /// An environment variable for the program (repeatable): K=V, or NAME to pass the
    /// host's value of NAME; the rest of the host's environment is never passed.
    #[arg(long = "env", value_name = "K=V|NAME", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Grant the program a host directory (repeatable), visible to it under the same
    /// name, or under GUEST with `HOST_DIR::GUEST`.
    #[arg(long = "dir", value_name = "HOST_DIR")]
    pub dirs: Vec<String>,
    /// Like --dir, but the program may only read below the directory.
    #[arg(long = "dir-ro", value_name = "HOST_DIR")]
    pub dirs_ro: Vec<String>,
    /// Replace the clock and the random source with reproducible ones.
    #[arg(long)]
    pub deterministic: bool,
    /// The random seed under --deterministic.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        requires = "deterministic"
    )]
    pub seed: u64,
    /// Withhold a capability (repeatable).
    #[arg(long, value_name = "CAP")]
    pub deny: Vec<CapabilityName>,
    /// Grant nothing that is not granted explicitly: with --allow CAP, --dir/--dir-ro
    /// (files), --env (env) or --db-ro (db, read-only).
    #[arg(long)]
    pub sandbox: bool,
    /// Under --sandbox, grant a capability (repeatable).
    #[arg(long, value_name = "CAP", requires = "sandbox")]
    pub allow: Vec<CapabilityName>,
    /// The program may read the state database but not write it (DB_PUT and DB_DELETE
    /// trap with `denied`).
    #[arg(long)]
    pub db_ro: bool,
    /// Arguments passed to the program (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
    /// Architecture: assembles `.dasm` input and transpiles Rust/WebAssembly input for it
    /// (default arch64 for those); bytecode must have been built for it.
    #[arg(short, long, value_name = "ARCH")]
    pub arch: Option<dotvm_core::Arch>,
    /// Stop with a trap after this much wall-clock time: 500ms, 2s, 1m, or `unlimited`
    /// (default 60s; no default limit under --step).
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Timeout>,
    /// Stop with a trap after this many instructions (fuel), or `unlimited` (the default).
    #[arg(long, value_name = "N", value_parser = parse_count::<u64>)]
    pub max_instructions: Option<u64>,
    /// Value-stack size in slots, all frames together (default 1048576), or `unlimited`.
    #[arg(long, value_name = "N", value_parser = parse_count::<usize>)]
    pub stack_size: Option<usize>,
    /// Maximum call depth (default 10000), or `unlimited`.
    #[arg(long, value_name = "N", value_parser = parse_count::<usize>)]
    pub call_depth: Option<usize>,
    /// Maximum linear-memory size in bytes, suffixes K, M, G allowed: 64M (default 256M),
    /// or `unlimited` (the architecture's address space).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub memory_limit: Option<u64>,
    /// Print every executed instruction (pc, mnemonic, top of stack) to stderr.
    #[arg(long)]
    pub debug: bool,
    /// Step through the program one instruction at a time (commands on stdin; `h` for
    /// help). `dotvm debug` is the full debugger (breakpoints, source lines, backtraces).
    #[arg(long, conflicts_with = "debug")]
    pub step: bool,
    /// With --step: the file the program reads as its standard input.
    #[arg(long, value_name = "FILE", requires = "step")]
    pub input: Option<PathBuf>,
    /// Print load and run statistics to stderr (including where the state is).
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the --verbose statistics as one JSON object on one line of standard error
    /// (field names in docs/tools.md). `dotvm profile --json` prints the profile as
    /// JSON on standard output instead (the program's output goes to standard error then).
    #[arg(long)]
    pub json: bool,
    /// The execution engine: `auto` interprets at once while a second thread compiles the
    /// program, and switches to native code at calls when it is ready (interprets 256-
    /// and 512-bit programs and on one CPU); `jit` compiles first and fails when it
    /// cannot; `interp` always interprets. `--step`, `--debug` and programs with database
    /// opcodes always use the interpreter.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineName,
    /// Append what the run does to this audit log (hash-chained JSON lines; check it with
    /// `dotvm audit verify`).
    #[arg(long, value_name = "PATH")]
    pub audit: Option<PathBuf>,
    /// Refuse to run anything but a bytecode file signed by a trusted key (--trusted-key,
    /// or $DOTVM_TRUSTED_KEYS: paths separated by `:`).
    #[arg(long)]
    pub require_signed: bool,
    /// A trusted public key for --require-signed (repeatable).
    #[arg(
        long = "trusted-key",
        value_name = "NAME.pub",
        requires = "require_signed"
    )]
    pub trusted_keys: Vec<PathBuf>,
    /// The state the database opcodes use: a redb file, `:memory:` for a throwaway store,
    /// or a PostgreSQL URL `postgres://user@host:port/db` (default: $DOTVM_STATE, else
    /// dotvm/state.redb in the user's data directory). Only programs with database opcodes
    /// open it; a run commits its writes when it exits with code 0. On PostgreSQL a run
    /// that conflicts with a concurrent one is run again, and its output is printed once,
    /// after the commit decision.
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<String>,
}

/// `dotvm db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The state: a redb file, `:memory:` for an empty throwaway store, or a PostgreSQL URL
    /// `postgres://user@host:port/db` (default: $DOTVM_STATE, else dotvm/state.redb in the
    /// user's data directory).
    #[arg(long, value_name = "PATH|URL", global = true)]
    pub state: Option<String>,
    /// Print JSON (one object per line) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Collection, key, value and bound arguments are hexadecimal bytes.
    #[arg(long, global = true)]
    pub hex: bool,
    /// No progress bars (`import` and `export` show one on a terminal when they are long).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// The `dotvm db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the value of a key.
    Get {
        /// The collection.
        collection: String,
        /// The key.
        key: String,
    },
    /// Store a value under a key.
    Put {
        /// The collection.
        collection: String,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Remove a key.
    Delete {
        /// The collection.
        collection: String,
        /// The key.
        key: String,
    },
    /// Print the entries of a collection in key order.
    Scan(Selection),
    /// Print how many entries a scan would print.
    Count(Selection),
    /// List the collections with their sizes.
    Collections,
    /// Write every index definition and entry as JSON lines.
    Export {
        /// The output file (default: standard output).
        file: Option<PathBuf>,
    },
    /// Read JSON lines written by `export` and store them, all or nothing.
    Import {
        /// The input file (default: standard input).
        file: Option<PathBuf>,
    },
    /// Manage secondary indexes on JSON fields.
    #[command(subcommand)]
    Index(IndexCommand),
}

/// Which entries of a collection `scan` and `count` select.
#[derive(Debug, Args)]
pub struct Selection {
    /// The collection.
    pub collection: String,
    /// Only keys starting with these bytes.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub prefix: Option<String>,
    /// Only keys at or after this one.
    #[arg(long)]
    pub from: Option<String>,
    /// Only keys before this one.
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many entries.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Decreasing key order.
    #[arg(long)]
    pub reverse: bool,
    /// Only JSON documents whose field compares with a value: `FIELD OP VALUE` with OP one
    /// of = < <= > >= and VALUE JSON (text that is not JSON is taken as a string), e.g.
    /// `age>=30`, `user.name=ann`.
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
}

/// `dotvm db index`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Index a JSON field (dot-separated path) of a collection; queries filtering on it use
    /// the index from then on.
    Create {
        /// The collection.
        collection: String,
        /// The field path.
        field: String,
    },
    /// Remove an index.
    Drop {
        /// The collection.
        collection: String,
        /// The field path.
        field: String,
    },
    /// List the indexes.
    List,
}

/// `dotvm asm`.
#[derive(Debug, Args)]
pub struct AsmArgs {
    /// The assembly source.
    pub input: PathBuf,
    /// Where to write the bytecode (default: the input with a `.dotvm` extension).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Architecture, overriding the source's `.arch` directive.
    #[arg(short, long, value_name = "ARCH")]
    pub arch: Option<dotvm_core::Arch>,
    /// Record a pc-to-source-line table in the debug section.
    #[arg(long)]
    pub line_table: bool,
}

/// `dotvm disasm`.
#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// The bytecode file.
    pub input: PathBuf,
    /// Write the text here instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// `dotvm verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bytecode (`.dotvm`) or assembly (`.dasm`) file.
    pub file: PathBuf,
    /// Require a signature by this public key (repeatable; default: $DOTVM_TRUSTED_KEYS).
    #[arg(long = "trusted-key", value_name = "NAME.pub")]
    pub trusted_keys: Vec<PathBuf>,
    /// Print the result as a JSON object on standard output (also when the check fails).
    #[arg(long)]
    pub json: bool,
}

/// `dotvm audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the log's hash chain.
    Verify {
        /// The audit log.
        path: PathBuf,
        /// Also check that the log continues this earlier (rotated) log.
        #[arg(long, value_name = "PREVIOUS")]
        after: Option<PathBuf>,
    },
    /// Move the log to PATH.N and start a new one that continues its chain.
    Rotate {
        /// The audit log.
        path: PathBuf,
    },
    /// Print the log's records (after checking it).
    Show {
        /// The audit log.
        path: PathBuf,
        /// Print the records as JSON lines.
        #[arg(long)]
        json: bool,
    },
}

/// `dotvm keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The key pair's name: writes NAME.key and NAME.pub.
    #[arg(short, long, value_name = "NAME")]
    pub output: PathBuf,
}

/// `dotvm sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The program to sign.
    pub file: PathBuf,
    /// The secret key file (NAME.key, or NAME).
    #[arg(long, value_name = "NAME.key")]
    pub key: PathBuf,
    /// Where to write the signed bytecode.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// A single input file.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The bytecode (`.dotvm`) or assembly (`.dasm`) file.
    pub file: PathBuf,
}

/// `dotvm inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bytecode (`.dotvm`) or assembly (`.dasm`) file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses `K=V`.
fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        Some(_) => Err(format!("`{text}` is not KEY=VALUE or NAME")),
        // A bare NAME passes the host's value of NAME, as wasmtime does.
        None if text.is_empty() => Err("an empty --env is neither KEY=VALUE nor NAME".into()),
        None => match std::env::var(text) {
            Ok(value) => Ok((text.to_string(), value)),
            Err(std::env::VarError::NotPresent) => Err(format!(
                "`{text}` is not set in the host environment (use {text}=VALUE to give a value)"
            )),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("the host's value of `{text}` is not valid UTF-8"))
            }
        },
    }
}

/// The word that lifts a limit.
pub const UNLIMITED: &str = "unlimited";

/// A `--timeout` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// `unlimited`.
    Unlimited,
    /// A duration.
    After(std::time::Duration),
}

/// Parses a `--timeout` value: a duration (`500ms`, `2s`, `1m`) or `unlimited`.
fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text.trim() == UNLIMITED {
        return Ok(Timeout::Unlimited);
    }
    dotvm_vm::parse_duration(text).map(Timeout::After)
}

/// Parses a count, or `unlimited` as the type's maximum.
fn parse_count<T: std::str::FromStr + num_max::Max>(text: &str) -> Result<T, String> {
    let text = text.trim();
    if text == UNLIMITED {
        return Ok(T::MAX);
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not a count (a whole number or `{UNLIMITED}`)"))
}

/// The largest value of a count type, which the limits read as "unlimited".
mod num_max {
    /// A type with a largest value.
    pub(super) trait Max {
        /// The largest value.
        const MAX: Self;
    }

    impl Max for u64 {
        const MAX: u64 = u64::MAX;
    }

    impl Max for usize {
        const MAX: usize = usize::MAX;
    }
}

/// Parses a byte count with an optional K/M/G suffix (powers of 1024), or `unlimited`.
fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed == UNLIMITED {
        return Ok(u64::MAX);
    }
    let (digits, multiplier) = match trimmed.char_indices().last() {
        Some((i, 'k' | 'K')) => (&trimmed[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&trimmed[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&trimmed[..i], 1 << 30),
        _ => (trimmed, 1),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a byte count (examples: 65536, 64K, 16M, 1G)"))?;
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn environment_pairs_need_a_key() {
        assert_eq!(parse_env("A=1=2"), Ok(("A".into(), "1=2".into())));
        assert_eq!(parse_env("A="), Ok(("A".into(), String::new())));
        assert!(parse_env("=1").is_err());
        assert!(parse_env("").is_err());
    }

    #[test]
    fn a_bare_environment_name_passes_the_host_value() {
        let path = std::env::var("PATH").expect("tests run with a PATH");
        assert_eq!(parse_env("PATH"), Ok(("PATH".into(), path)));
        let err = parse_env("DOTVM_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(err.contains("not set in the host environment"), "{err}");
    }

    #[test]
    fn byte_counts_parse_with_suffixes() {
        assert_eq!(parse_bytes("65536"), Ok(65536));
        assert_eq!(parse_bytes("64K"), Ok(65536));
        assert_eq!(parse_bytes("16m"), Ok(16 << 20));
        assert_eq!(parse_bytes("1G"), Ok(1 << 30));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("99999999999999G").is_err());
        assert_eq!(parse_bytes("unlimited"), Ok(u64::MAX));
    }

    #[test]
    fn limits_take_unlimited() {
        assert_eq!(parse_count::<u64>("unlimited"), Ok(u64::MAX));
        assert_eq!(parse_count::<usize>("12"), Ok(12));
        assert!(parse_count::<usize>("-1").is_err());
        assert_eq!(parse_timeout("unlimited"), Ok(Timeout::Unlimited));
        assert_eq!(
            parse_timeout("2s"),
            Ok(Timeout::After(std::time::Duration::from_secs(2)))
        );
        assert!(parse_timeout("2").is_err());
    }
}
