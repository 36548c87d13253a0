//! The raw imports of the `dotvm` module. Each is one native instruction: its operands
//! are the parameters (words as `i32`; `i64` for BigInt instructions), its top result the
//! return value, deeper results are stored as `u32` through trailing out-pointers.

macro_rules! imports {
    ($( $name:ident ( $( $arg:ident : $ty:ty ),* ) $( -> $ret:ty )? ; )*) => {
        #[cfg(target_arch = "wasm32")]
        #[link(wasm_import_module = "dotvm")]
        unsafe extern "C" {
            $( pub(crate) fn $name( $( $arg: $ty ),* ) $( -> $ret )?; )*
        }

        $(
            /// Outside DotVM there is no such instruction.
            #[cfg(not(target_arch = "wasm32"))]
            #[allow(unused_variables)]
            pub(crate) unsafe extern "C" fn $name( $( $arg: $ty ),* ) $( -> $ret )? {
                outside_dotvm()
            }
        )*
    };
}

/// The panic of every import on a target other than `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
fn outside_dotvm() -> ! {
    panic!(
        "dotvm-sdk functions run only inside DotVM (compile for wasm32-wasip1 and run with `dotvm run`)"
    )
}

imports! {
    db_get(coll: i32, clen: i32, key: i32, klen: i32, buf: i32, cap: i32, len_out: i32) -> i32;
    db_put(coll: i32, clen: i32, key: i32, klen: i32, val: i32, vlen: i32) -> i32;
    db_delete(coll: i32, clen: i32, key: i32, klen: i32) -> i32;
    db_count(coll: i32, clen: i32, query: i32, qlen: i32, count_out: i32) -> i32;
    db_query(coll: i32, clen: i32, query: i32, qlen: i32, buf: i32, cap: i32, count_out: i32, len_out: i32) -> i32;
    db_savepoint() -> i32;
    db_rollback_to(id: i32) -> i32;
    db_release(id: i32) -> i32;

    hash_sha256(src: i32, len: i32, dst: i32);
    hash_sha512(src: i32, len: i32, dst: i32);
    hash_sha3_256(src: i32, len: i32, dst: i32);
    hash_keccak256(src: i32, len: i32, dst: i32);
    hash_blake3(src: i32, len: i32, dst: i32);
    keygen_ed25519(seed: i32, pk: i32) -> i32;
    keygen_secp256k1(seed: i32, pk: i32) -> i32;
    keygen_p256(seed: i32, pk: i32) -> i32;
    keygen_x25519(seed: i32, pk: i32) -> i32;
    sign_ed25519(sk: i32, msg: i32, len: i32, sig: i32) -> i32;
    sign_secp256k1(sk: i32, msg: i32, len: i32, sig: i32) -> i32;
    sign_p256(sk: i32, msg: i32, len: i32, sig: i32) -> i32;
    sign_secp256k1_prehash(sk: i32, msg: i32, len: i32, sig: i32) -> i32;
    sign_p256_prehash(sk: i32, msg: i32, len: i32, sig: i32) -> i32;
    verify_ed25519(pk: i32, pk_len: i32, msg: i32, len: i32, sig: i32, sig_len: i32) -> i32;
    verify_secp256k1(pk: i32, pk_len: i32, msg: i32, len: i32, sig: i32, sig_len: i32) -> i32;
    verify_p256(pk: i32, pk_len: i32, msg: i32, len: i32, sig: i32, sig_len: i32) -> i32;
    verify_secp256k1_prehash(pk: i32, pk_len: i32, msg: i32, len: i32, sig: i32, sig_len: i32) -> i32;
    verify_p256_prehash(pk: i32, pk_len: i32, msg: i32, len: i32, sig: i32, sig_len: i32) -> i32;
    recover_secp256k1(msg: i32, len: i32, sig: i32, pk: i32) -> i32;
    recover_secp256k1_prehash(msg: i32, len: i32, sig: i32, pk: i32) -> i32;
    encrypt_aes256gcm(key: i32, nonce: i32, ad: i32, ad_len: i32, src: i32, len: i32, dst: i32) -> i32;
    encrypt_chacha20poly1305(key: i32, nonce: i32, ad: i32, ad_len: i32, src: i32, len: i32, dst: i32) -> i32;
    decrypt_aes256gcm(key: i32, nonce: i32, ad: i32, ad_len: i32, src: i32, len: i32, dst: i32) -> i32;
    decrypt_chacha20poly1305(key: i32, nonce: i32, ad: i32, ad_len: i32, src: i32, len: i32, dst: i32) -> i32;
    seal(pk: i32, src: i32, len: i32, dst: i32) -> i32;
    open(sk: i32, src: i32, len: i32, dst: i32) -> i32;
    random(dst: i32, len: i32) -> i32;

    bigint_from_bytes_be(src: i64, len: i64) -> i64;
    bigint_from_bytes_le_signed(src: i64, len: i64) -> i64;
    bigint_to_bytes_be(h: i64, dst: i64, cap: i64) -> i64;
    bigint_to_bytes_le_signed(h: i64, dst: i64, cap: i64) -> i64;
    bigint_from_dec(src: i64, len: i64) -> i64;
    bigint_to_dec(h: i64, dst: i64, cap: i64) -> i64;
    bigint_add(a: i64, b: i64) -> i64;
    bigint_sub(a: i64, b: i64) -> i64;
    bigint_mul(a: i64, b: i64) -> i64;
    bigint_div(a: i64, b: i64) -> i64;
    bigint_rem(a: i64, b: i64) -> i64;
    bigint_div_floor(a: i64, b: i64) -> i64;
    bigint_mod_floor(a: i64, b: i64) -> i64;
    bigint_neg(a: i64) -> i64;
    bigint_abs(a: i64) -> i64;
    bigint_pow(a: i64, e: i64) -> i64;
    bigint_modpow(a: i64, e: i64, m: i64) -> i64;
    bigint_modinv(a: i64, m: i64) -> i64;
    bigint_gcd(a: i64, b: i64) -> i64;
    bigint_cmp(a: i64, b: i64) -> i64;
    bigint_shl(a: i64, n: i64) -> i64;
    bigint_shr(a: i64, n: i64) -> i64;
    bigint_free(h: i64);
}

/// A pointer as the `i32` address the imports take.
pub(crate) fn addr<T>(ptr: *const T) -> i32 {
    ptr as usize as i32
}

/// A length as the `i32` the imports take (wasm32 lengths fit).
pub(crate) fn len(n: usize) -> i32 {
    n as i32
}

/// A pointer as the `i64` word BigInt imports take.
pub(crate) fn addr64<T>(ptr: *const T) -> i64 {
    ptr as usize as i64
}
