//! Fuzz target: arbitrary bytes as a DB_QUERY/DB_COUNT query descriptor; decoding either
//! fails cleanly or yields a query that encodes back to the same bytes.
#![no_main]

use dotvm_vm::state::Query;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = Query::decode(data) {
        if !data.is_empty() {
            assert_eq!(query.encode(), data, "descriptor did not round-trip");
        }
        assert_eq!(Query::decode(&query.encode()), Ok(query));
    }
});
