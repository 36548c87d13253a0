//! Cryptography through `dotvm-sdk`: hashes, an Ed25519 signature made and verified, a
//! secp256k1 signature whose key is recovered, AEAD round trips and a sealed box.
//! `dotvm run examples/sdk-crypto`.

use dotvm_sdk::crypto::{self, Aead, HashAlg, KeyAlg, SigAlg};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let message = b"DotVM SDK";
    println!("sha256 {}", hex(&crypto::sha256(message)));
    let mut digest = [0u8; 64];
    let n = crypto::hash(HashAlg::Sha512, message, &mut digest).unwrap();
    println!("sha512 {}", hex(&digest[..n]));
    let n = crypto::hash(HashAlg::Sha3_256, message, &mut digest).unwrap();
    println!("sha3-256 {}", hex(&digest[..n]));

    // Ed25519: a key pair from a fixed seed, a signature, verification.
    let seed = [7u8; 32];
    let mut public = [0u8; 32];
    crypto::keygen(KeyAlg::Sig(SigAlg::Ed25519), &seed, &mut public).unwrap();
    let mut signature = [0u8; 64];
    crypto::sign(SigAlg::Ed25519, &seed, message, &mut signature).unwrap();
    println!("ed25519 public {}", hex(&public));
    println!("ed25519 signature {}", hex(&signature));
    println!(
        "verify: {}",
        crypto::verify(SigAlg::Ed25519, &public, message, &signature)
    );
    println!(
        "verify tampered: {}",
        crypto::verify(SigAlg::Ed25519, &public, b"DotVM SDK!", &signature)
    );

    // secp256k1: the signer's key is recovered from the signature.
    let mut k1_public = [0u8; 65];
    crypto::keygen(KeyAlg::Sig(SigAlg::Secp256k1), &seed, &mut k1_public).unwrap();
    let mut k1_sig = [0u8; 65];
    crypto::sign(SigAlg::Secp256k1, &seed, message, &mut k1_sig).unwrap();
    let recovered = crypto::recover(false, message, &k1_sig).unwrap();
    println!(
        "secp256k1 verify: {}",
        crypto::verify(SigAlg::Secp256k1, &k1_public, message, &k1_sig)
    );
    println!("secp256k1 recovered: {}", recovered == k1_public);

    // AEAD round trips with a fixed key and nonce.
    let key = [0x42u8; 32];
    let nonce = [0x24u8; 12];
    for (name, aead) in [
        ("chacha20poly1305", Aead::ChaCha20Poly1305),
        ("aes256gcm", Aead::Aes256Gcm),
    ] {
        let mut sealed = [0u8; 64];
        let n = crypto::encrypt(aead, &key, &nonce, b"header", message, &mut sealed).unwrap();
        println!("{name} {}", hex(&sealed[..n]));
        let mut opened = [0u8; 64];
        let m = crypto::decrypt(aead, &key, &nonce, b"header", &sealed[..n], &mut opened).unwrap();
        println!("{name} round trip: {}", &opened[..m] == message);
        sealed[0] ^= 1;
        let forged = crypto::decrypt(aead, &key, &nonce, b"header", &sealed[..n], &mut opened);
        println!("{name} tampered: {forged:?}");
    }

    // A sealed box to an X25519 key (needs the run's randomness).
    let mut x_public = [0u8; 32];
    crypto::keygen(KeyAlg::X25519, &seed, &mut x_public).unwrap();
    let mut sealed = [0u8; 64];
    let n = crypto::seal(&x_public, message, &mut sealed).unwrap();
    let mut opened = [0u8; 16];
    let m = crypto::open(&seed, &sealed[..n], &mut opened).unwrap();
    println!("sealed box round trip: {}", &opened[..m] == message);
    let mut random = [0u8; 16];
    crypto::random(&mut random).unwrap();
    println!("random bytes: {}", random.len());
}
