//! The debugger's command language: parsing a typed line into a [`Command`], with an
//! error that says what was wrong and what is expected.

/// Where a breakpoint goes, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Location {
    /// A function name (demangled; `fib` matches `fibonacci::fib` by path suffix).
    Function(String),
    /// A line of a source file (`fibonacci.rs:8`, matched by path suffix).
    Line(String, u32),
    /// A bytecode function (name or index) and pc.
    Pc(String, u32),
}

/// A place in memory or a slot, as typed in `print`, `x` and `watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// A source-level variable by name (from the DWARF of a Rust or wasm input).
    Variable(String),
    /// Local slot N of the selected frame.
    Local(usize),
    /// Global slot N.
    Global(usize),
    /// Operand-stack slot N below the top (0 = top).
    Stack(usize),
    /// A number.
    Number(u64),
}

/// An address: a place plus an offset (`global[0]+16`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Address {
    /// Where the base comes from.
    pub(super) base: Place,
    /// Added to the base.
    pub(super) offset: u64,
}

/// One debugger command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Command {
    /// `break LOCATION`.
    Break(Location),
    /// `delete [N]`: one breakpoint or watchpoint, or all.
    Delete(Option<usize>),
    /// `run`: start the program.
    Run,
    /// `continue`.
    Continue,
    /// `step`: to the next source line, entering calls.
    Step,
    /// `stepi`: one bytecode instruction.
    StepInstruction,
    /// `next`: to the next source line of this function, stepping over calls.
    Next,
    /// `finish`: until the selected function returns.
    Finish,
    /// `backtrace [all]`: `all` also shows the runtime's outermost frames.
    Backtrace(bool),
    /// `frame N`.
    Frame(usize),
    /// `locals`.
    Locals,
    /// `print PLACE`.
    Print(Place),
    /// `x ADDRESS [LEN]`.
    Examine(Address, u64),
    /// `watch ADDRESS LEN`.
    Watch(Address, u64),
    /// `info breakpoints`.
    InfoBreakpoints,
    /// `help`.
    Help,
    /// `quit`.
    Quit,
}

/// The help text.
pub(super) const HELP: &str = "\
commands (abbreviations in brackets):
  break LOCATION [b]   stop at a function (`fib`: demangled name, suffix match), a source
                       line (`fibonacci.rs:8`) or a bytecode position (`main:12`, `3:0`)
  delete [N]  [d]      delete breakpoint/watchpoint N, or all of them
  run         [r]      start the program
  continue    [c]      run to the next breakpoint, watchpoint or the end
  step        [s]      run to the next source line, entering calls
  stepi       [si]     run one bytecode instruction
  next        [n]      run to the next source line of this function, over calls
  finish      [fin]    run until the selected function returns
  backtrace   [bt]     show the call stack, innermost first (inlined calls expanded);
                       `backtrace all` also shows the Rust runtime's start-up frames
  frame N     [f]      select frame N of the backtrace
  locals               show the selected frame's variables in scope, by name and type (from
                       the DWARF); without DWARF its local slots, parameters typed
  print PLACE [p]      show a variable by name (`print n`), or local[N], global[N] or
                       stack[N] (0 = top of the operand stack)
  x ADDR [LEN]         dump LEN bytes (default 64) of memory; ADDR is a number (decimal or
                       0x hex) or a PLACE (a variable in memory: its address), plus an
                       optional +OFFSET (`x global[0]+16 32`)
  watch ADDR LEN       stop when those LEN bytes of memory change
  info breakpoints     list breakpoints and watchpoints
  help        [h]      this text
  quit        [q]      stop the program (it does not finish; a database run commits nothing)";

/// Parses one command line; `Ok(None)` for a blank line.
pub(super) fn parse(line: &str) -> Result<Option<Command>, String> {
    let mut words = line.split_whitespace();
    let Some(name) = words.next() else {
        return Ok(None);
    };
    let rest: Vec<&str> = words.collect();
    let none = |command: Command| -> Result<Option<Command>, String> {
        match rest.as_slice() {
            [] => Ok(Some(command)),
            [extra, ..] => Err(format!("`{name}` takes no argument (found `{extra}`)")),
        }
    };
    match name {
        "break" | "b" | "br" => match rest.as_slice() {
            [location] => Ok(Some(Command::Break(location_of(location)?))),
            [] => Err("`break` needs a location: a function, FILE:LINE or FUNC:PC".into()),
            _ => Err("`break` takes one location (no spaces)".into()),
        },
        "delete" | "d" => match rest.as_slice() {
            [] => Ok(Some(Command::Delete(None))),
            [n] => Ok(Some(Command::Delete(Some(
                number(n, "breakpoint number")? as usize
            )))),
            _ => Err("`delete` takes at most one breakpoint number".into()),
        },
        "run" | "r" => none(Command::Run),
        "continue" | "c" | "cont" => none(Command::Continue),
        "step" | "s" => none(Command::Step),
        "stepi" | "si" => none(Command::StepInstruction),
        "next" | "n" => none(Command::Next),
        "finish" | "fin" => none(Command::Finish),
        "backtrace" | "bt" | "where" => match rest.as_slice() {
            [] => Ok(Some(Command::Backtrace(false))),
            ["all"] => Ok(Some(Command::Backtrace(true))),
            _ => Err("`backtrace` takes nothing or `all`".into()),
        },
        "frame" | "f" => match rest.as_slice() {
            [n] => Ok(Some(Command::Frame(number(n, "frame number")? as usize))),
            _ => Err("`frame` needs a frame number (see `backtrace`)".into()),
        },
        "locals" => none(Command::Locals),
        "print" | "p" => match rest.as_slice() {
            [place] => Ok(Some(Command::Print(place_of(place)?))),
            _ => {
                Err("`print` needs a variable name or one of local[N], global[N], stack[N]".into())
            }
        },
        "x" => match rest.as_slice() {
            [addr] => Ok(Some(Command::Examine(address_of(addr)?, 64))),
            [addr, len] => Ok(Some(Command::Examine(
                address_of(addr)?,
                number(len, "length")?,
            ))),
            _ => Err("`x` needs an address and an optional length: x ADDR [LEN]".into()),
        },
        "watch" => match rest.as_slice() {
            [addr, len] => {
                let len = number(len, "length")?;
                if len == 0 || len > 4096 {
                    return Err(format!("a watch covers 1 to 4096 bytes, not {len}"));
                }
                Ok(Some(Command::Watch(address_of(addr)?, len)))
            }
            _ => Err("`watch` needs an address and a length: watch ADDR LEN".into()),
        },
        "info" => match rest.as_slice() {
            ["breakpoints" | "b" | "break" | "watchpoints"] => Ok(Some(Command::InfoBreakpoints)),
            _ => Err("`info` knows `info breakpoints`".into()),
        },
        "help" | "h" | "?" => Ok(Some(Command::Help)),
        "quit" | "q" | "exit" => none(Command::Quit),
        other => Err(format!("unknown command `{other}` (try `help`)")),
    }
}

/// A decimal or `0x` hexadecimal number.
fn number(text: &str, what: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("bad {what} `{text}`: expected a number (decimal or 0x hex)"))
}

/// A variable name, `local[N]`, `global[N]`, `stack[N]` or a number.
fn place_of(text: &str) -> Result<Place, String> {
    let mut chars = text.chars();
    if chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !text.contains('[')
    {
        return Ok(Place::Variable(text.to_string()));
    }
    for (prefix, make) in [
        ("local[", Place::Local as fn(usize) -> Place),
        ("global[", Place::Global),
        ("stack[", Place::Stack),
    ] {
        if let Some(inner) = text.strip_prefix(prefix) {
            let Some(index) = inner.strip_suffix(']') else {
                return Err(format!("`{text}` lacks its closing `]`"));
            };
            return Ok(make(number(index, "slot index")? as usize));
        }
    }
    number(text, "place").map(Place::Number).map_err(|_| {
        format!(
            "bad place `{text}`: expected a variable name, local[N], global[N], stack[N] or a number"
        )
    })
}

/// PLACE or PLACE+OFFSET.
fn address_of(text: &str) -> Result<Address, String> {
    let (base, offset) = match text.split_once('+') {
        Some((base, offset)) => (base, number(offset, "offset")?),
        None => (text, 0),
    };
    Ok(Address {
        base: place_of(base)?,
        offset,
    })
}

/// FUNCTION, FILE:LINE or FUNC:PC. The part before the last `:` is a file when it
/// contains `.` or `/` (and a function otherwise); a location whose tail is not a number
/// is a function name (Rust paths contain `::`).
fn location_of(text: &str) -> Result<Location, String> {
    if let Some((head, tail)) = text.rsplit_once(':')
        && !head.is_empty()
        && !head.ends_with(':')
        && let Ok(n) = number(tail, "line")
    {
        let n = u32::try_from(n).map_err(|_| format!("`{tail}` is too large"))?;
        if head.contains('.') || head.contains('/') {
            if n == 0 {
                return Err("source lines count from 1".into());
            }
            return Ok(Location::Line(head.to_string(), n));
        }
        return Ok(Location::Pc(head.to_string(), n));
    }
    if text.ends_with(':') {
        return Err(format!("`{text}` lacks the line or pc after `:`"));
    }
    Ok(Location::Function(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_told_apart() {
        assert_eq!(
            parse("break fib").unwrap(),
            Some(Command::Break(Location::Function("fib".into())))
        );
        assert_eq!(
            parse("b fibonacci::fib_recursive").unwrap(),
            Some(Command::Break(Location::Function(
                "fibonacci::fib_recursive".into()
            )))
        );
        assert_eq!(
            parse("b examples/fibonacci.rs:8").unwrap(),
            Some(Command::Break(Location::Line(
                "examples/fibonacci.rs".into(),
                8
            )))
        );
        assert_eq!(
            parse("b main:0x10").unwrap(),
            Some(Command::Break(Location::Pc("main".into(), 16)))
        );
        assert_eq!(
            parse("b fibonacci::main:3").unwrap(),
            Some(Command::Break(Location::Pc("fibonacci::main".into(), 3)))
        );
    }

    #[test]
    fn places_and_addresses_parse() {
        assert_eq!(
            parse("p local[2]").unwrap(),
            Some(Command::Print(Place::Local(2)))
        );
        assert_eq!(
            parse("x global[0]+16 8").unwrap(),
            Some(Command::Examine(
                Address {
                    base: Place::Global(0),
                    offset: 16
                },
                8
            ))
        );
        assert_eq!(
            parse("watch 0x100 4").unwrap(),
            Some(Command::Watch(
                Address {
                    base: Place::Number(256),
                    offset: 0
                },
                4
            ))
        );
        assert_eq!(
            parse("print n").unwrap(),
            Some(Command::Print(Place::Variable("n".into())))
        );
        assert_eq!(
            parse("x numbers+8 4").unwrap(),
            Some(Command::Examine(
                Address {
                    base: Place::Variable("numbers".into()),
                    offset: 8
                },
                4
            ))
        );
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        for (line, message) in [
            ("frobnicate", "unknown command `frobnicate`"),
            ("break", "needs a location"),
            ("break a.rs:0", "count from 1"),
            ("break main:", "lacks the line or pc"),
            ("p local[1", "closing `]`"),
            ("p 9banana", "bad place `9banana`"),
            ("p a.b", "bad place `a.b`"),
            ("x 0xZZ", "bad place `0xZZ`"),
            ("watch 16 0", "1 to 4096 bytes"),
            ("step 3", "takes no argument"),
            ("frame", "needs a frame number"),
            ("info frobs", "info breakpoints"),
            ("delete x", "bad breakpoint number `x`"),
        ] {
            let err = parse(line).expect_err(line);
            assert!(err.contains(message), "{line}: {err}");
        }
    }
}
