//! The `v128` benchmark: the simd128 lane code of the engines (`dotvm_vm::lane_speed`) in
//! nanoseconds per operation, as portable lane loops and, on x86-64, as `core::arch`
//! vector code, over adjacent pairs of 4096 vectors (lane edge values, float specials and
//! varied bytes). Each pass's result is checked against the portable form's, and the table
//! says which form the engines run.

use crate::timing::Plan;
use dotvm_vm::lane_speed::{LaneOp, lane_ops, sample_vectors};

/// A contender: `passes` passes of `form` over `vectors`, each giving `expected`.
fn passes<'a>(
    op: &'a LaneOp,
    vectors: &'a [[u8; 16]],
    passes: u64,
    expected: [u8; 16],
    vector: bool,
) -> impl FnMut() -> Result<(), String> + 'a {
    move || {
        for _ in 0..passes {
            let got = if vector {
                op.vector(vectors)
            } else {
                Some(op.portable(vectors))
            };
            if got != Some(expected) {
                return Err(format!("{}: the two forms disagree", op.name));
            }
        }
        Ok(())
    }
}

/// Times every lane operation in both forms and prints a Markdown table.
pub(crate) fn bench(plan: &Plan) -> Result<(), String> {
    let vectors = sample_vectors();
    let per_pass = vectors.len() as u64 - 1;
    let operations = plan.iterations * per_pass;
    let ns = |time: std::time::Duration| time.as_secs_f64() * 1e9 / operations as f64;
    println!(
        "simd128 lanes: ns per operation, {per_pass} vector pairs per pass, {}",
        plan.describe()
    );
    println!("| operation | portable ns | x86-64 ns | speed-up | engines run |");
    println!("|---|---:|---:|---:|---|");
    for op in lane_ops() {
        let expected = op.portable(&vectors);
        let mut portable = passes(&op, &vectors, plan.iterations, expected, false);
        let row = if op.vector(&vectors).is_some() {
            let mut vector = passes(&op, &vectors, plan.iterations, expected, true);
            let times = plan.medians(&mut [&mut portable, &mut vector])?;
            let (p, v) = (ns(times[0]), ns(times[1]));
            let used = if op.engines_use_vector() {
                "x86-64"
            } else {
                "portable"
            };
            format!("| {} | {p:.2} | {v:.2} | {:.1}x | {used} |", op.name, p / v)
        } else {
            let times = plan.medians(&mut [&mut portable])?;
            format!("| {} | {:.2} | - | - | portable |", op.name, ns(times[0]))
        };
        println!("{row}");
    }
    Ok(())
}
