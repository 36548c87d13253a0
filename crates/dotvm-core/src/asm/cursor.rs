//! Reading the tokens of one line: the cursor, and readers for names, references,
//! numbers and values.

use super::ast::{Pos, Ref, RefAt, Result, Value, ValueAt, diag};
use super::lexer::{Tok, Token, is_bare_name};
use super::number::{looks_numeric, parse_int};

/// The tokens of one line and a read position.
pub(super) struct Cursor {
    /// The line's tokens.
    pub(super) tokens: Vec<Token>,
    /// Index of the next token.
    pub(super) next: usize,
    /// The line number.
    pub(super) line: u32,
}

impl Cursor {
    /// The position of `token` on this line.
    pub(super) fn pos(&self, token: &Token) -> Pos {
        Pos {
            line: self.line,
            col: token.col,
        }
    }

    /// The next token, not consumed.
    pub(super) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    /// Consumes the next token.
    pub(super) fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += usize::from(token.is_some());
        token
    }

    /// The next token, or an error at `at` saying `what` is missing.
    pub(super) fn expect(&mut self, at: Pos, what: &str) -> Result<Token> {
        match self.take() {
            Some(token) => Ok(token),
            None => diag(at, format!("missing {what}")),
        }
    }

    /// Fails if anything is left on the line.
    pub(super) fn finish(&mut self, after: &str) -> Result<()> {
        match self.take() {
            None => Ok(()),
            Some(token) => diag(
                self.pos(&token),
                format!("unexpected {} after {after}", token.describe()),
            ),
        }
    }

    /// Takes the next token if it is the word `word` (any case).
    pub(super) fn take_keyword(&mut self, word: &str) -> bool {
        let hit = matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(word));
        self.next += usize::from(hit);
        hit
    }
}

/// A bare name from `token`, or an error saying what was expected.
pub(super) fn bare_name(cursor: &Cursor, token: &Token, what: &str) -> Result<String> {
    match &token.tok {
        Tok::Word(w) if is_bare_name(w) => Ok(w.clone()),
        _ => diag(
            cursor.pos(token),
            format!(
                "expected {what} (letters, digits and `_`, not starting with a digit), found {}",
                token.describe()
            ),
        ),
    }
}

/// A bare or quoted name.
pub(super) fn any_name(cursor: &Cursor, token: &Token, what: &str) -> Result<String> {
    match &token.tok {
        Tok::Str(bytes) => String::from_utf8(bytes.clone())
            .or_else(|_| diag(cursor.pos(token), format!("{what} is not valid UTF-8"))),
        _ => bare_name(cursor, token, what),
    }
}

/// A reference by index (a number) or by name.
pub(super) fn reference(cursor: &Cursor, token: &Token, what: &str) -> Result<RefAt> {
    let pos = cursor.pos(token);
    let target = match &token.tok {
        Tok::Word(w) if looks_numeric(w) => {
            Ref::Index(small_number(pos, w, what, u32::MAX.into())? as u32)
        }
        _ => Ref::Name(any_name(cursor, token, &format!("{what} name"))?),
    };
    Ok(RefAt { target, pos })
}

/// A non-negative integer literal of at most `max`.
pub(super) fn small_number(pos: Pos, text: &str, what: &str, max: u64) -> Result<u64> {
    let lit = parse_int(text).or_else(|message| diag(pos, message))?;
    if lit.negative && !lit.magnitude.is_zero() {
        return diag(pos, format!("{what} must not be negative"));
    }
    match u64::try_from(lit.magnitude) {
        Ok(n) if n <= max => Ok(n),
        _ => diag(
            pos,
            format!("{text} is too large for {what} (at most {max})"),
        ),
    }
}

/// A number token for `what`, at most `max`.
pub(super) fn number_token(cursor: &Cursor, token: &Token, what: &str, max: u64) -> Result<u64> {
    match &token.tok {
        Tok::Word(w) if looks_numeric(w) => small_number(cursor.pos(token), w, what, max),
        _ => diag(
            cursor.pos(token),
            format!("expected {what} (a number), found {}", token.describe()),
        ),
    }
}

/// A value: number, character, `.const` name, data label or `label.len`.
pub(super) fn value(cursor: &Cursor, token: &Token) -> Result<ValueAt> {
    let pos = cursor.pos(token);
    let value = match &token.tok {
        Tok::Word(w) if looks_numeric(w) => {
            Value::Lit(parse_int(w).or_else(|m| diag(pos, m))?, w.clone())
        }
        Tok::Word(w) => {
            let (name, len) = match w.strip_suffix(".len") {
                Some(base) => (base, true),
                None => (w.as_str(), false),
            };
            if !is_bare_name(name) {
                return diag(
                    pos,
                    format!("expected a number, character, constant or data label, found `{w}`"),
                );
            }
            Value::Sym {
                name: name.to_string(),
                len,
            }
        }
        Tok::Char(c) => Value::Char(*c),
        _ => {
            return diag(
                pos,
                format!(
                    "expected a number, character, constant or data label, found {}",
                    token.describe()
                ),
            );
        }
    };
    Ok(ValueAt { value, pos })
}
