//! The database instructions in executable form: one [`DbOp`] per `DB_*` opcode, with its
//! pop count (from the instruction table) and its fuel (semantics in `exec::db`).

use dotvm_core::{Arch, Opcode};

/// Declares [`DbOp`] with the opcode of each variant, in one list.
macro_rules! db_ops {
    ($($name:ident => $opcode:ident),* $(,)?) => {
        /// A pattern matching the database opcodes.
        macro_rules! db_opcodes {
            () => { $( Opcode::$opcode )|* };
        }
        pub(crate) use db_opcodes;

        /// One database opcode, as the interpreter dispatches it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum DbOp {
            $(
                #[doc = concat!("`", stringify!($opcode), "`.")]
                $name,
            )*
        }

        impl DbOp {
            /// Every database op, in table order.
            #[cfg(test)]
            const ALL: &'static [DbOp] = &[$(DbOp::$name),*];

            /// The opcode.
            const fn opcode(self) -> Opcode {
                match self {
                    $( DbOp::$name => Opcode::$opcode, )*
                }
            }

            /// The database op of `opcode`, or `None` when it is not a database opcode.
            pub(crate) fn from_opcode(opcode: Opcode) -> Option<DbOp> {
                match opcode {
                    $( Opcode::$opcode => Some(DbOp::$name), )*
                    _ => None,
                }
            }
        }
    };
}

db_ops! {
    Get => DbGet,
    Put => DbPut,
    Delete => DbDelete,
    Count => DbCount,
    Query => DbQuery,
    Savepoint => DbSavepoint,
    RollbackTo => DbRollbackTo,
    Release => DbRelease,
}

impl DbOp {
    /// Words the opcode pops: its table row's stack effect (word operands only, so the
    /// same on every architecture).
    pub(crate) fn pops(self) -> usize {
        self.opcode()
            .info()
            .effect
            .slots(Arch::Arch64)
            .map_or(0, |(pops, _)| pops as usize)
    }
}

/// The extra fuel of one database opcode, beyond the 1 every instruction pays: `base`, plus
/// `per_entry` for each entry a query returns or a count counts, plus one per 8 bytes the
/// opcode moves (collection, key, value and query bytes read from the guest, value and
/// result bytes returned). It is computed from what the operation reads and returns, never
/// from how a backend finds it, so every store charges the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DbFuel {
    /// The fixed part.
    pub(crate) base: u64,
    /// Per entry returned or counted.
    pub(crate) per_entry: u64,
}

impl DbOp {
    /// The opcode's extra fuel (one unit is meant to be about a nanosecond of work, as for
    /// the crypto instructions).
    pub(crate) const fn fuel(self) -> DbFuel {
        let (base, per_entry) = match self {
            DbOp::Get => (150, 0),
            DbOp::Put => (300, 0),
            DbOp::Delete => (200, 0),
            DbOp::Count => (150, 20),
            DbOp::Query => (150, 50),
            DbOp::Savepoint | DbOp::Release => (50, 0),
            DbOp::RollbackTo => (100, 0),
        };
        DbFuel { base, per_entry }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuel table of `docs/state.md`, rendered from [`DbOp::fuel`] (a test keeps the
    /// document's copy current).
    fn fuel_table() -> String {
        let mut table = String::from("| instruction | extra fuel |\n|---|---|\n");
        for op in DbOp::ALL {
            let DbFuel { base, per_entry } = op.fuel();
            let bytes = if matches!(op, DbOp::Savepoint | DbOp::RollbackTo | DbOp::Release) {
                String::new()
            } else {
                " + bytes(moved)".to_string()
            };
            let entries = match per_entry {
                0 => String::new(),
                n => format!(" + {n} · entries"),
            };
            table += &format!(
                "| `{}` | {base}{entries}{bytes} |\n",
                op.opcode().info().mnemonic
            );
        }
        table
    }

    #[test]
    fn the_documented_fuel_table_is_current() {
        let doc = include_str!("../../../docs/state.md");
        let table = fuel_table();
        assert!(
            doc.contains(&table),
            "docs/state.md's database fuel table is out of date; it should read:\n{table}"
        );
    }
}
