//! Signed modules through the crate API: an engine that requires signatures
//! (`Config::require_signed`) accepts a module signed by a trusted key and refuses
//! unsigned, tampered and untrusted ones, whatever the way the module is made.

use dotvm::{
    Config, Engine, Error, Module, SignatureError, Store, TrustedKey, check_signature, signer_id,
};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::{signed_message, write_module};
use dotvm_core::module::Signature;
use dotvm_crypto::signature::{KeyAlgorithm, SignatureAlgorithm};

/// Prints a greeting that the tamper test finds in the file.
const HELLO: &str = ".pool hi str \"hello, signed\"\n.func main\nPUSH_CONST hi\n\
                     SYSCALL print_bytes\nHALT\n.end\n";

/// The public key of `seed`.
fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    KeyAlgorithm::Ed25519
        .public_key(seed)
        .unwrap()
        .try_into()
        .unwrap()
}

/// The bytecode of [`HELLO`], signed with `seed` when given.
fn bytecode(seed: Option<&[u8; 32]>) -> Vec<u8> {
    let mut module = assemble(HELLO, "hello.dasm", &AsmOptions::default()).unwrap();
    if let Some(seed) = seed {
        let public_key = public_key(seed);
        let message = signed_message(&module, public_key);
        let signature = SignatureAlgorithm::Ed25519.sign(seed, &message).unwrap();
        module.signature = Some(Signature {
            public_key,
            signature: signature.try_into().unwrap(),
        });
    }
    write_module(&module)
}

/// An engine that trusts only `alice`.
fn strict(alice: &[u8; 32]) -> Engine {
    let mut config = Config::default();
    config.require_signed([TrustedKey::new(public_key(alice), "alice")]);
    Engine::new(&config)
}

#[test]
fn a_module_signed_by_a_trusted_key_runs_and_names_its_signer() {
    let alice = [1; 32];
    let engine = strict(&alice);
    let module = Module::new(&engine, bytecode(Some(&alice))).unwrap();
    let signer = module.signer().expect("the signer");
    assert_eq!(signer.name, "alice");
    assert_eq!(signer.id(), signer_id(&public_key(&alice)));
    let mut store = Store::new(&engine);
    module.run(&mut store).unwrap();
    assert_eq!(store.stdout(), b"hello, signed");
    // From a file too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.dotvm");
    std::fs::write(&path, bytecode(Some(&alice))).unwrap();
    assert!(
        Module::from_file(&engine, &path)
            .unwrap()
            .signer()
            .is_some()
    );
    // An engine that does not require signatures names no signer.
    let lax = Module::new(&Engine::default(), bytecode(Some(&alice))).unwrap();
    assert!(lax.signer().is_none());
    assert_eq!(
        check_signature(lax.verified().module()),
        Ok(public_key(&alice))
    );
}

#[test]
fn unsigned_tampered_and_untrusted_modules_are_refused() {
    let alice = [1; 32];
    let engine = strict(&alice);
    let refusal = |bytes: &[u8]| match Module::new(&engine, bytes) {
        Err(Error::Signature(error)) => error,
        other => panic!("expected a signature error, got {other:?}"),
    };
    assert_eq!(refusal(&bytecode(None)), SignatureError::Unsigned);
    // WebAssembly and assembly cannot carry a signature.
    assert_eq!(
        refusal(b"(module (func (export \"_start\")))"),
        SignatureError::Unsigned
    );
    assert_eq!(refusal(HELLO.as_bytes()), SignatureError::Unsigned);
    // One changed byte in the signed constant pool.
    let mut tampered = bytecode(Some(&alice));
    let at = tampered
        .windows(5)
        .position(|w| w == b"hello")
        .expect("the greeting in the file");
    tampered[at] = b'j';
    let error = refusal(&tampered);
    assert!(matches!(error, SignatureError::Invalid { .. }), "{error}");
    assert!(error.to_string().contains("changed after it was signed"));
    // Validly signed, by bob.
    let error = refusal(&bytecode(Some(&[2; 32])));
    assert_eq!(
        error,
        SignatureError::Untrusted {
            signer: signer_id(&public_key(&[2; 32])),
            trusted: "alice".into(),
        }
    );
    // The error says which.
    let message = Error::Signature(error).to_string();
    assert!(
        message.contains("not a trusted key (trusted: alice)"),
        "{message}"
    );
    // Without the requirement, unsigned and tampered modules are read as before (the
    // tampered greeting still verifies).
    Module::new(&Engine::default(), bytecode(None)).unwrap();
    Module::new(&Engine::default(), &tampered).unwrap();
}
