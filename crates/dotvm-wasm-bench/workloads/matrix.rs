//! Dense f64 matrix multiplication (nested loops over heap arrays).

/// The workload's output.
pub(crate) fn run() -> String {
    const N: usize = 120;
    let a: Vec<f64> = (0..N * N).map(|i| (i % 17) as f64 * 0.5 - 3.0).collect();
    let b: Vec<f64> = (0..N * N).map(|i| (i % 13) as f64 * 0.25 + 1.0).collect();
    let mut c = vec![0.0f64; N * N];
    for i in 0..N {
        for k in 0..N {
            let aik = a[i * N + k];
            for j in 0..N {
                c[i * N + j] += aik * b[k * N + j];
            }
        }
    }
    let trace: f64 = (0..N).map(|i| c[i * N + i]).sum();
    let total: f64 = c.iter().sum();
    format!("matrix {N}x{N}: trace {trace:.3}, sum {total:.3}\n")
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
