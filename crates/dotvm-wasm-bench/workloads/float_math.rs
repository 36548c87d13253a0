//! f64 math: an n-body simulation (sqrt, division) and a Mandelbrot set count.

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

fn energy(bodies: &[Body]) -> f64 {
    let mut e = 0.0;
    for (i, b) in bodies.iter().enumerate() {
        e += 0.5 * b.mass * b.vel.iter().map(|v| v * v).sum::<f64>();
        for c in &bodies[i + 1..] {
            let d: f64 = (0..3).map(|k| (b.pos[k] - c.pos[k]).powi(2)).sum();
            e -= b.mass * c.mass / d.sqrt();
        }
    }
    e
}

fn advance(bodies: &mut [Body], dt: f64) {
    let n = bodies.len();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (bodies[i], bodies[j]);
            let d: [f64; 3] = std::array::from_fn(|k| a.pos[k] - b.pos[k]);
            let dist2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let mag = dt / (dist2 * dist2.sqrt());
            for (k, dk) in d.iter().enumerate() {
                bodies[i].vel[k] -= dk * b.mass * mag;
                bodies[j].vel[k] += dk * a.mass * mag;
            }
        }
    }
    for b in bodies.iter_mut() {
        for (p, v) in b.pos.iter_mut().zip(b.vel) {
            *p += dt * v;
        }
    }
}

fn mandelbrot(size: usize, max_iter: u32) -> u32 {
    let mut inside = 0;
    for y in 0..size {
        for x in 0..size {
            let cr = 2.5 * x as f64 / size as f64 - 2.0;
            let ci = 2.0 * y as f64 / size as f64 - 1.0;
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut i = 0;
            while i < max_iter && zr * zr + zi * zi <= 4.0 {
                (zr, zi) = (zr * zr - zi * zi + cr, 2.0 * zr * zi + ci);
                i += 1;
            }
            if i == max_iter {
                inside += 1;
            }
        }
    }
    inside
}

/// The workload's output.
pub(crate) fn run() -> String {
    let mut bodies: Vec<Body> = (0..5)
        .map(|i| {
            let f = i as f64;
            Body {
                pos: [f * 1.1, -f * 0.7 + 0.3, f * 0.2 - 0.5],
                vel: [0.01 * f, 0.02 - 0.003 * f, -0.01 * f],
                mass: 1.0 + 0.5 * f,
            }
        })
        .collect();
    let before = energy(&bodies);
    for _ in 0..100_000 {
        advance(&mut bodies, 0.001);
    }
    let after = energy(&bodies);
    format!(
        "n-body energy {before:.9} -> {after:.9}, mandelbrot inside {}\n",
        mandelbrot(160, 200)
    )
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
