//! Published test vectors for every crypto family, run from DotVM bytecode: NIST SHA-2 and
//! SHA-3, Keccak-256 and BLAKE3 reference values, RFC 8032 (Ed25519), RFC 6979 (ECDSA),
//! NIST CAVP AES-256-GCM, RFC 8439 (ChaCha20-Poly1305); plus recovery, sealed boxes and
//! randomness.

mod support;

use dotvm_vm::Limits;
use support::{hex, module, patched, run, run_module, unhex};

/// Runs `HASH alg` over `input` from bytecode and returns the digest.
fn hash(alg: &str, out_len: usize, input: &[u8]) -> String {
    let template = module(&format!(
        ".arch arch64\n.memory 17\n.global len 0\n.func main\n    PUSH 0x10000\n    \
         GLOBAL_GET len\n    PUSH 0x100\n    HASH {alg}\n    PUSH 0x100\n    PUSH {out_len}\n    \
         SYSCALL print_bytes\n    HALT\n.end\n"
    ));
    let program = patched(&template, &[(0x10000, input)], &[input.len() as u64]);
    let run = run_module(program, &Limits::default(), false);
    assert_eq!(run.exit_code(), 0);
    hex(&run.output)
}

const ABC: &[u8] = b"abc";
const NIST_448: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const NIST_896: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

fn million_a() -> Vec<u8> {
    vec![b'a'; 1_000_000]
}

#[test]
fn sha256_nist_vectors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            ABC,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            NIST_448,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ];
    for (input, digest) in cases {
        assert_eq!(hash("sha256", 32, input), digest);
    }
    assert_eq!(
        hash("sha256", 32, &million_a()),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
}

#[test]
fn sha512_nist_vectors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        ),
        (
            ABC,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        (
            NIST_896,
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
        ),
    ];
    for (input, digest) in cases {
        assert_eq!(hash("sha512", 64, input), digest);
    }
    assert_eq!(
        hash("sha512", 64, &million_a()),
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"
    );
}

#[test]
fn sha3_256_nist_vectors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"",
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
        ),
        (
            ABC,
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        ),
        (
            NIST_448,
            "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376",
        ),
    ];
    for (input, digest) in cases {
        assert_eq!(hash("sha3_256", 32, input), digest);
    }
    assert_eq!(
        hash("sha3_256", 32, &million_a()),
        "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1"
    );
}

#[test]
fn keccak256_reference_vectors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"",
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        ),
        (
            ABC,
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
        ),
        (
            b"The quick brown fox jumps over the lazy dog",
            "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15",
        ),
    ];
    for (input, digest) in cases {
        assert_eq!(hash("keccak256", 32, input), digest);
    }
}

#[test]
fn blake3_reference_vectors() {
    // The official test_vectors.json input: byte i is i % 251.
    let input = |len: usize| (0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
    let cases = [
        (
            0,
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        ),
        (
            1,
            "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
        ),
        (
            1024,
            "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
        ),
    ];
    for (len, digest) in cases {
        assert_eq!(
            hash("blake3", 32, &input(len)),
            digest,
            "input length {len}"
        );
    }
    assert_eq!(
        hash("blake3", 32, ABC),
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    );
}

/// KEYGEN, SIGN and VERIFY from bytecode: returns (public key, signature, VERIFY result).
fn keygen_sign_verify(
    alg: &str,
    pk_len: usize,
    sig_len: usize,
    sk: &[u8],
    msg: &[u8],
) -> (String, String, i32) {
    let template = module(&format!(
        ".arch arch64\n.memory 2\n.global len 0\n.func main results=1\n    \
         PUSH 0x1000\n    PUSH 0x3000\n    KEYGEN {alg}\n    JNZ fail\n    \
         PUSH 0x1000\n    PUSH 0x2000\n    GLOBAL_GET len\n    PUSH 0x3100\n    SIGN {alg}\n    JNZ fail\n    \
         PUSH 0x3000\n    PUSH {pk_len}\n    SYSCALL print_bytes\n    \
         PUSH 0x3100\n    PUSH {sig_len}\n    SYSCALL print_bytes\n    \
         PUSH 0x3000\n    PUSH {pk_len}\n    PUSH 0x2000\n    GLOBAL_GET len\n    PUSH 0x3100\n    PUSH {sig_len}\n    \
         VERIFY {alg}\n    RET\nfail:\n    PUSH 100\n    RET\n.end\n"
    ));
    let program = patched(
        &template,
        &[(0x1000, sk), (0x2000, msg)],
        &[msg.len() as u64],
    );
    let run = run_module(program, &Limits::default(), false);
    let code = run.exit_code();
    assert_ne!(code, 100, "KEYGEN or SIGN failed");
    let (pk, sig) = run.output.split_at(pk_len);
    (hex(pk), hex(sig), code)
}

#[test]
fn ed25519_rfc8032_vectors() {
    // RFC 8032 section 7.1: TEST 1, 2, 3 and SHA(abc).
    let cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
        (
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
        ),
    ];
    for (sk, pk, msg, sig) in cases {
        let got = keygen_sign_verify("ed25519", 32, 64, &unhex(sk), &unhex(msg));
        assert_eq!(got, (pk.to_string(), sig.to_string(), 1), "secret key {sk}");
    }
}

#[test]
fn p256_rfc6979_vectors() {
    // RFC 6979 appendix A.2.5, ECDSA P-256 with SHA-256.
    let sk = unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let pk = "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
    let cases = [
        (
            "sample",
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            "test",
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ];
    for (msg, sig) in cases {
        let got = keygen_sign_verify("p256", 65, 64, &sk, msg.as_bytes());
        assert_eq!(got, (pk.to_string(), sig.to_string(), 1), "message {msg}");
    }
}

#[test]
fn secp256k1_rfc6979_vector_with_recovery_byte() {
    // The widely used RFC 6979 secp256k1/SHA-256 vector: secret key 1, "Satoshi Nakamoto"
    // (low-S form).
    let mut sk = [0u8; 32];
    sk[31] = 1;
    let (pk, sig, valid) = keygen_sign_verify("secp256k1", 65, 65, &sk, b"Satoshi Nakamoto");
    assert_eq!(
        pk,
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
    );
    assert_eq!(
        &sig[..128],
        "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"
    );
    assert!(
        ["00", "01"].contains(&&sig[128..]),
        "recovery byte {}",
        &sig[128..]
    );
    assert_eq!(valid, 1);
}

/// SIGN then RECOVER with a secp256k1 variant; returns (KEYGEN key, recovered key).
fn sign_and_recover(alg: &str, msg: &[u8], flip_v: bool) -> (Vec<u8>, Vec<u8>, i32) {
    let flip = if flip_v {
        "    PUSH 0x3140\n    PUSH 0x3140\n    LOAD8_U\n    PUSH 1\n    XOR\n    STORE8\n"
    } else {
        ""
    };
    let source = format!(
        ".arch arch64\n.memory 2\n.global len 0\n.func main results=1\n    \
         PUSH 0x1000\n    PUSH 0x3000\n    KEYGEN secp256k1\n    JNZ fail\n    \
         PUSH 0x1000\n    PUSH 0x2000\n    GLOBAL_GET len\n    PUSH 0x3100\n    SIGN {alg}\n    JNZ fail\n{flip}    \
         PUSH 0x2000\n    GLOBAL_GET len\n    PUSH 0x3100\n    PUSH 0x3200\n    RECOVER {alg}\n    \
         PUSH 0x3000\n    PUSH 65\n    SYSCALL print_bytes\n    PUSH 0x3200\n    PUSH 65\n    SYSCALL print_bytes\n    \
         RET\nfail:\n    PUSH 100\n    RET\n.end\n"
    );
    let program = patched(
        &module(&source),
        &[(0x1000, &[0x17; 32]), (0x2000, msg)],
        &[msg.len() as u64],
    );
    let run = run_module(program, &Limits::default(), false);
    let status = run.exit_code();
    let (key, recovered) = run.output.split_at(65);
    (key.to_vec(), recovered.to_vec(), status)
}

#[test]
fn recover_returns_the_signer_key() {
    let (key, recovered, status) = sign_and_recover("secp256k1", b"a message", false);
    assert_eq!((status, &key), (0, &recovered));
    // Ethereum style: sign the Keccak-256 digest.
    let digest = unhex("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    let (key, recovered, status) = sign_and_recover("secp256k1_prehash", &digest, false);
    assert_eq!((status, &key), (0, &recovered));
    // The other recovery id gives another key (or none).
    let (key, recovered, status) = sign_and_recover("secp256k1", b"a message", true);
    assert!(status != 0 || key != recovered);
}

/// ENCRYPT with `alg` from bytecode, then DECRYPT the result; returns (ciphertext ‖ tag,
/// decrypted plaintext, decrypt status).
fn aead_round_trip(
    alg: &str,
    key: &[u8],
    nonce: &[u8],
    ad: &[u8],
    pt: &[u8],
) -> (String, Vec<u8>, i32) {
    let template = module(&format!(
        ".arch arch64\n.memory 4\n.global ad_len 0\n.global len 0\n.func main results=1\n    \
         PUSH 0x1000\n    PUSH 0x1100\n    PUSH 0x2000\n    GLOBAL_GET ad_len\n    PUSH 0x10000\n    GLOBAL_GET len\n    PUSH 0x20000\n    \
         ENCRYPT {alg}\n    JNZ fail\n    \
         PUSH 0x20000\n    GLOBAL_GET len\n    PUSH 16\n    ADD\n    SYSCALL print_bytes\n    \
         PUSH 0x1000\n    PUSH 0x1100\n    PUSH 0x2000\n    GLOBAL_GET ad_len\n    PUSH 0x20000\n    GLOBAL_GET len\n    PUSH 16\n    ADD\n    PUSH 0x30000\n    \
         DECRYPT {alg}\n    \
         PUSH 0x30000\n    GLOBAL_GET len\n    SYSCALL print_bytes\n    RET\n\
         fail:\n    PUSH 100\n    RET\n.end\n"
    ));
    let program = patched(
        &template,
        &[(0x1000, key), (0x1100, nonce), (0x2000, ad), (0x10000, pt)],
        &[ad.len() as u64, pt.len() as u64],
    );
    let run = run_module(program, &Limits::default(), false);
    let status = run.exit_code();
    let (ct, decrypted) = run.output.split_at(pt.len() + 16);
    (hex(ct), decrypted.to_vec(), status)
}

#[test]
fn aes256gcm_nist_cavp_vectors() {
    // NIST CAVP gcmEncryptExtIV256.rsp (96-bit IV, 128-bit tag).
    let cases = [
        (
            "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
            "ac93a1a6145299bde902f21a",
            "1e0889016f67601c8ebea4943bc23ad6",
            "2d71bcfa914e4ac045b2aa60955fad24",
            "8995ae2e6df3dbf96fac7b7137bae67f",
            "eca5aa77d51d4a0a14d9c51e1da474ab",
        ),
        (
            "7da3bccaffb3464178ca7c722379836db50ce0bfb47640b9572163865332e486",
            "c04fd2e701c3dc62b68738b3",
            "fec0311013202e4ffdc4204926ae0ddf",
            "fd671cab1ee21f0df6bb610bf94f0e69",
            "6be61b17b7f7d494a7cdf270562f37ba",
            "5e702a38323fe1160b780d17adad3e96",
        ),
        (
            "a359b9584beec189527f8842dda6b6d4c6a5db2f889635715fa3bcd7967c0a71",
            "8616c4cde11b34a944caba32",
            "e1796fca20cb3d3ab0ade69b2a18891e",
            "33a46b7539d64c6e1bdb91ba221e3007",
            "b0d316e95f3f3390ba10d0274965c62b",
            "aeaedcf8a012cc32ef25a62790e9334c",
        ),
        (
            "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
            "0d18e06c7c725ac9e362e1ce",
            "",
            "2db5168e932556f8089a0622981d017d",
            "fa4362189661d163fcd6a56d8bf0405a",
            "d636ac1bbedd5cc3ee727dc2ab4a9489",
        ),
        (
            "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
            "516c33929df5a3284ff463d7",
            "",
            "",
            "",
            "bdc1ac884d332457a1d2664f168c76f0",
        ),
    ];
    for (key, nonce, ad, pt, ct, tag) in cases {
        let (sealed, opened, status) = aead_round_trip(
            "aes256gcm",
            &unhex(key),
            &unhex(nonce),
            &unhex(ad),
            &unhex(pt),
        );
        assert_eq!(sealed, format!("{ct}{tag}"), "key {key}");
        assert_eq!((opened, status), (unhex(pt), 0));
    }
}

#[test]
fn chacha20poly1305_rfc8439_vector() {
    // RFC 8439 section 2.8.2.
    let key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    let nonce = unhex("070000004041424344454647");
    let ad = unhex("50515253c0c1c2c3c4c5c6c7");
    let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let (sealed, opened, status) = aead_round_trip("chacha20poly1305", &key, &nonce, &ad, pt);
    assert_eq!(
        sealed,
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116\
         1ae10b594f09e26a7e902ecbd0600691"
    );
    assert_eq!((opened.as_slice(), status), (&pt[..], 0));
}

#[test]
fn a_tampered_ciphertext_is_a_status_not_a_trap() {
    for alg in ["aes256gcm", "chacha20poly1305"] {
        let source = format!(
            ".arch arch64\n.memory 1\n.func main results=1\n    \
             PUSH 0x1000\n    PUSH 0x1100\n    PUSH 0\n    PUSH 0\n    PUSH 0x2000\n    PUSH 5\n    PUSH 0x3000\n    \
             ENCRYPT {alg}\n    POP\n    \
             PUSH 0x3000\n    PUSH 0x3000\n    LOAD8_U +20\n    PUSH 1\n    XOR\n    STORE8 +20\n    \
             PUSH 0x4000\n    PUSH 0xAB\n    PUSH 5\n    MEMORY_FILL\n    \
             PUSH 0x1000\n    PUSH 0x1100\n    PUSH 0\n    PUSH 0\n    PUSH 0x3000\n    PUSH 21\n    PUSH 0x4000\n    \
             DECRYPT {alg}\n    \
             PUSH 0x4000\n    PUSH 5\n    SYSCALL print_bytes\n    RET\n.end\n"
        );
        let run = run(&source);
        assert_eq!(run.exit_code(), 1, "{alg}: authentication failure status");
        assert_eq!(run.output, [0xAB; 5], "{alg}: no plaintext is released");
    }
}

#[test]
fn sealed_boxes_open_with_the_recipient_key_only() {
    let source = "\
.arch arch64
.memory 1
.data secret x\"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4\"
.data other x\"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d\"
.data public zero 32
.data message \"sealed for you\"
.data sealed zero 128
.data opened zero 64
.func main results=1
    PUSH secret
    PUSH public
    KEYGEN x25519
    JNZ fail
    PUSH public
    PUSH message
    PUSH message.len
    PUSH sealed
    SEAL
    JNZ fail
    PUSH other
    PUSH sealed
    PUSH message.len
    PUSH 48
    ADD
    PUSH opened
    OPEN
    SYSCALL print_uint
    PUSH secret
    PUSH sealed
    PUSH message.len
    PUSH 48
    ADD
    PUSH opened
    OPEN
    SYSCALL print_uint
    PUSH opened
    PUSH message.len
    SYSCALL print_bytes
    PUSH 0
    RET
fail:
    PUSH 100
    RET
.end
";
    let run = run(source);
    assert_eq!(run.exit_code(), 0);
    assert_eq!(String::from_utf8_lossy(&run.output), "10sealed for you");
}

#[test]
fn x25519_keygen_matches_rfc7748() {
    // RFC 7748 section 6.1: Alice's private and public keys.
    let source = "\
.arch arch64
.memory 1
.data secret x\"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a\"
.data public zero 32
.func main
    PUSH secret
    PUSH public
    KEYGEN x25519
    POP
    PUSH public
    PUSH 32
    SYSCALL print_bytes
    HALT
.end
";
    assert_eq!(
        hex(&run(source).output),
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    );
}

#[test]
fn random_is_seeded_under_a_seeded_io_and_denied_without_one() {
    let source = "\
.arch arch64
.memory 1
.func main results=1
    PUSH 0x100
    PUSH 48
    RANDOM
    PUSH 0x100
    PUSH 48
    SYSCALL print_bytes
    RET
.end
";
    let first = run(source);
    let second = run(source);
    assert_eq!(first.exit_code(), 0);
    assert_eq!(first.output, second.output, "same seed, same bytes");
    assert_ne!(first.output, [0u8; 48]);
    let denied = run_module(module(source), &Limits::default(), false);
    assert_eq!(denied.exit_code(), 5);
    assert_eq!(denied.output, [0u8; 48], "nothing is written when denied");
}
