//! BigInts through `dotvm-sdk`: 1000! and a modular exponentiation (with its inverse
//! checked). `dotvm run examples/sdk-bigint`.

use dotvm_sdk::bigint::BigInt;

fn main() {
    let mut factorial = BigInt::from_u64(1);
    for i in 2..=1000 {
        factorial = &factorial * &BigInt::from_u64(i);
    }
    let text = factorial.to_dec();
    println!("1000! has {} digits", text.len());
    println!("1000! = {text}");

    // 3^(2^100 + 7) mod (2^127 - 1), a Mersenne prime.
    let one = BigInt::from_u64(1);
    let m = &BigInt::from_u64(2).pow(127) - &one;
    let e = &BigInt::from_u64(2).pow(100) + &BigInt::from_u64(7);
    let r = BigInt::from_u64(3).modpow(&e, &m).expect("m > 0");
    println!("3^(2^100+7) mod (2^127-1) = {r}");
    let inverse = r.modinv(&m).expect("m is prime");
    println!("inverse ok: {}", (&r * &inverse) % m.clone() == one);
    let parsed = BigInt::from_dec("-123456789012345678901234567890").expect("decimal");
    println!(
        "gcd = {}",
        parsed.gcd(&BigInt::from_dec("9876543210").unwrap())
    );
    println!("to_i64 = {:?}", BigInt::from_i64(-42).to_i64());
}
