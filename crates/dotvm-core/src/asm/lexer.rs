//! Splits one line of assembly into tokens, and renders names, strings and byte strings
//! back into the literal syntax the lexer reads (used by the disassembler).

use std::fmt::Write as _;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A run of characters other than whitespace and `; " ' = : ,` (names, numbers,
    /// mnemonics, directives, `@12`, `+8`, `msg.len`).
    Word(String),
    /// A string literal `"..."`, escapes decoded to bytes.
    Str(Vec<u8>),
    /// A character literal `'A'`: its Unicode scalar value.
    Char(u32),
    /// A byte-string literal `x"00 ff"`.
    Bytes(Vec<u8>),
    /// `=`.
    Eq,
    /// `:`.
    Colon,
    /// `,`.
    Comma,
}

/// A token and the 1-based column (in characters) where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The token.
    pub(crate) tok: Tok,
    /// Where it starts.
    pub(crate) col: u32,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(_) => "a string literal".to_string(),
            Tok::Char(_) => "a character literal".to_string(),
            Tok::Bytes(_) => "a byte-string literal".to_string(),
            Tok::Eq => "`=`".to_string(),
            Tok::Colon => "`:`".to_string(),
            Tok::Comma => "`,`".to_string(),
        }
    }
}

/// A lexing error: column and message.
pub(crate) type LexError = (u32, String);

/// True for characters that end a word.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '"' | '\'' | '=' | ':' | ',')
}

/// Tokenizes one line (without its line terminator). A `;` outside a literal starts a
/// comment that runs to the end of the line.
pub(crate) fn tokenize(line: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i as u32 + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            ';' => break,
            '=' | ':' | ',' => {
                i += 1;
                match c {
                    '=' => Tok::Eq,
                    ':' => Tok::Colon,
                    _ => Tok::Comma,
                }
            }
            '"' => {
                let (bytes, next) = string_literal(&chars, i)?;
                i = next;
                Tok::Str(bytes)
            }
            '\'' => {
                let (value, next) = char_literal(&chars, i)?;
                i = next;
                Tok::Char(value)
            }
            _ => {
                let start = i;
                while i < chars.len() && !is_delimiter(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word == "x" && chars.get(i) == Some(&'"') {
                    let (bytes, next) = bytes_literal(&chars, i)?;
                    i = next;
                    Tok::Bytes(bytes)
                } else {
                    Tok::Word(word)
                }
            }
        };
        tokens.push(Token { tok, col });
    }
    Ok(tokens)
}

/// Reads a `"..."` literal starting at the quote `start`; returns its bytes and the index
/// after the closing quote.
fn string_literal(chars: &[char], start: usize) -> Result<(Vec<u8>, usize), LexError> {
    let mut out = Vec::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err((start as u32 + 1, "unterminated string literal".into())),
            Some('"') => return Ok((out, i + 1)),
            Some('\\') => {
                let (unit, next) = escape(chars, i)?;
                match unit {
                    Unit::Byte(b) => out.push(b),
                    Unit::Char(c) => push_char(&mut out, c),
                }
                i = next;
            }
            Some(&c) => {
                push_char(&mut out, c);
                i += 1;
            }
        }
    }
}

/// Reads a `'c'` literal starting at the quote `start`.
fn char_literal(chars: &[char], start: usize) -> Result<(u32, usize), LexError> {
    let col = start as u32 + 1;
    let (value, next) = match chars.get(start + 1) {
        None => return Err((col, "unterminated character literal".into())),
        Some('\'') => return Err((col, "empty character literal".into())),
        Some('\\') => match escape(chars, start + 1)? {
            (Unit::Char(c), next) => (c as u32, next),
            (Unit::Byte(b), next) => (u32::from(b), next),
        },
        Some(&c) => (c as u32, start + 2),
    };
    if chars.get(next) != Some(&'\'') {
        return Err((
            col,
            "unterminated character literal (expected one character then `'`)".into(),
        ));
    }
    Ok((value, next + 1))
}

/// Reads `x"..."` (hex digit pairs; spaces and `_` between pairs are ignored) with the
/// opening quote at `quote`.
fn bytes_literal(chars: &[char], quote: usize) -> Result<(Vec<u8>, usize), LexError> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    let mut i = quote + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err((quote as u32, "unterminated byte-string literal".into()));
        };
        let col = i as u32 + 1;
        match c {
            '"' => {
                if high.is_some() {
                    return Err((col, "odd number of hex digits in byte string".into()));
                }
                return Ok((out, i + 1));
            }
            ' ' | '\t' | '_' if high.is_none() => {}
            _ => {
                let digit = c.to_digit(16).ok_or_else(|| {
                    (
                        col,
                        format!("`{c}` is not a hex digit in a byte string (expected pairs like x\"0a ff\")"),
                    )
                })? as u8;
                match high.take() {
                    Some(h) => out.push(h << 4 | digit),
                    None => high = Some(digit),
                }
            }
        }
        i += 1;
    }
}

/// One decoded escape: a raw byte (`\xNN`) or a character.
enum Unit {
    /// From `\xNN`.
    Byte(u8),
    /// Any other escape.
    Char(char),
}

/// Decodes the escape whose backslash is at `at`.
fn escape(chars: &[char], at: usize) -> Result<(Unit, usize), LexError> {
    let col = at as u32 + 1;
    let Some(&kind) = chars.get(at + 1) else {
        return Err((col, "unterminated escape sequence".into()));
    };
    let simple = |c: char| Ok((Unit::Char(c), at + 2));
    match kind {
        'n' => simple('\n'),
        't' => simple('\t'),
        'r' => simple('\r'),
        '0' => simple('\0'),
        '\\' => simple('\\'),
        '"' => simple('"'),
        '\'' => simple('\''),
        'x' => {
            let digits: String = chars.iter().skip(at + 2).take(2).collect();
            match u8::from_str_radix(&digits, 16) {
                Ok(b) if digits.len() == 2 && digits.chars().all(|c| c.is_ascii_hexdigit()) => {
                    Ok((Unit::Byte(b), at + 4))
                }
                _ => Err((col, "bad escape `\\x`: expected two hex digits".into())),
            }
        }
        'u' => {
            let bad = || {
                (
                    col,
                    "bad escape `\\u`: expected `\\u{HEX}` with 1 to 6 hex digits".to_string(),
                )
            };
            if chars.get(at + 2) != Some(&'{') {
                return Err(bad());
            }
            let close = chars[at + 3..]
                .iter()
                .position(|&c| c == '}')
                .map(|p| at + 3 + p)
                .ok_or_else(bad)?;
            let digits: String = chars[at + 3..close].iter().collect();
            if digits.is_empty() || digits.len() > 6 {
                return Err(bad());
            }
            let value = u32::from_str_radix(&digits, 16).map_err(|_| bad())?;
            let c = char::from_u32(value).ok_or_else(|| {
                (
                    col,
                    format!("bad escape: U+{value:X} is not a Unicode scalar value"),
                )
            })?;
            Ok((Unit::Char(c), close + 1))
        }
        other => Err((
            col,
            format!(
                "bad escape `\\{other}` (expected \\n \\t \\r \\0 \\\\ \\\" \\' \\xNN or \\u{{...}})"
            ),
        )),
    }
}

/// Appends the UTF-8 encoding of `c`.
fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// True when `name` can be written bare: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name as written in assembly: bare when possible, else a quoted string.
pub(crate) fn name_literal(name: &str) -> String {
    if is_bare_name(name) {
        name.to_string()
    } else {
        quote_str(name)
    }
}

/// True for characters the disassembler writes as `\u{...}` because they are invisible
/// or would change how the line reads.
fn needs_unicode_escape(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` as a string literal that [`tokenize`] reads back to the same bytes.
pub(crate) fn quote_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_unicode_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `bytes` as a byte-string literal `x"..."`.
pub(crate) fn bytes_literal_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 3);
    out.push_str("x\"");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Tok> {
        tokenize(line).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn splits_words_punctuation_and_comments() {
        assert_eq!(
            words("loop: PUSH msg.len ; note"),
            vec![
                Tok::Word("loop".into()),
                Tok::Colon,
                Tok::Word("PUSH".into()),
                Tok::Word("msg.len".into()),
            ]
        );
        let toks = tokenize("  .func f params=2").unwrap();
        assert_eq!(toks[0].col, 3);
        assert_eq!(toks[3].tok, Tok::Eq);
        assert_eq!(toks[4].col, 18);
    }

    #[test]
    fn decodes_literals() {
        assert_eq!(
            words(r#""a\n\x41\u{e9}\0" 'Z' '\n' x"0a ff_01""#),
            vec![
                Tok::Str(b"a\nA\xc3\xa9\0".to_vec()),
                Tok::Char('Z' as u32),
                Tok::Char(10),
                Tok::Bytes(vec![0x0a, 0xff, 0x01]),
            ]
        );
        assert_eq!(words(r#""\xff""#), vec![Tok::Str(vec![0xff])]);
    }

    #[test]
    fn reports_bad_literals_with_columns() {
        assert_eq!(
            tokenize(r#"  "abc"#).unwrap_err(),
            (3, "unterminated string literal".into())
        );
        assert_eq!(tokenize(r#""a\q""#).unwrap_err().0, 3);
        assert_eq!(tokenize("''").unwrap_err().1, "empty character literal");
        assert_eq!(tokenize(r#"x"abc""#).unwrap_err().0, 6);
        assert!(tokenize(r#""\u{110000}""#).is_err());
        assert!(tokenize(r#""\u{}""#).is_err());
        assert!(tokenize(r#""\x4""#).is_err());
        assert!(tokenize("'ab'").is_err());
    }

    #[test]
    fn quoting_round_trips() {
        for text in [
            "plain",
            "tab\tquote\"back\\slash\u{7f}\u{1}",
            "é ∑ 😀 \u{200B} \u{2028}",
        ] {
            let toks = words(&quote_str(text));
            assert_eq!(toks, vec![Tok::Str(text.as_bytes().to_vec())]);
        }
        assert_eq!(
            words(&bytes_literal_text(&[0, 1, 254])),
            vec![Tok::Bytes(vec![0, 1, 254])]
        );
        assert_eq!(name_literal("main"), "main");
        assert_eq!(name_literal("a::b"), "\"a::b\"");
        assert!(!is_bare_name("1a") && !is_bare_name(""));
    }
}
