//! Signed bytecode from the command line: `keygen`, `sign`, `verify --trusted-key`,
//! `run --require-signed` (flags and `DOTVM_TRUSTED_KEYS`) and `inspect`, over the matrix
//! signed / unsigned / wrong key / one flipped byte in the code, in another section, in
//! the public key and in the signature; and key files with wrong permissions or format.

use dotvm_core::format::{SectionId, section_table};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dotvm_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dotvm"));
    command.args(args).env_remove("DOTVM_TRUSTED_KEYS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("start dotvm")
}

fn dotvm(args: &[&str]) -> Output {
    dotvm_env(args, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A directory with keys `alice` and `bob`, `hello.dotvm` and `hello.signed.dotvm` (by alice).
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup { dir };
        for name in ["alice", "bob"] {
            ok(&dotvm(&["keygen", "-o", s(&setup.path(name))]));
        }
        let hello = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello.dasm");
        ok(&dotvm(&[
            "asm",
            s(&hello),
            "-o",
            s(&setup.path("hello.dotvm")),
        ]));
        ok(&dotvm(&[
            "sign",
            s(&setup.path("hello.dotvm")),
            "--key",
            s(&setup.path("alice.key")),
            "-o",
            s(&setup.path("hello.signed.dotvm")),
        ]));
        setup
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `file` requiring a signature by `key`.
    fn run_signed(&self, file: &Path, key: &str) -> Output {
        dotvm(&[
            "run",
            "--require-signed",
            "--trusted-key",
            s(&self.path(key)),
            s(file),
        ])
    }

    /// A copy of the signed file with byte `at` flipped.
    fn flipped(&self, name: &str, at: usize) -> PathBuf {
        let mut bytes = std::fs::read(self.path("hello.signed.dotvm")).unwrap();
        bytes[at] ^= 0x01;
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

const HELLO: &str = "Hello, DotVM!\n";

#[test]
fn keygen_writes_a_private_secret_key_and_refuses_to_overwrite() {
    let setup = Setup::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(setup.path("alice.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = std::fs::read_to_string(setup.path("alice.pub")).unwrap();
    assert!(public.starts_with("dotvm-ed25519-public-key "), "{public}");
    assert!(public.trim_end().ends_with(" alice"), "{public}");
    let again = dotvm(&["keygen", "-o", s(&setup.path("alice"))]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("alice.key already exists"));
}

#[test]
fn a_signed_file_runs_verifies_and_shows_its_signer() {
    let setup = Setup::new();
    let signed = setup.path("hello.signed.dotvm");
    assert_eq!(ok(&setup.run_signed(&signed, "alice.pub")), HELLO);
    let verify = ok(&dotvm(&[
        "verify",
        s(&signed),
        "--trusted-key",
        s(&setup.path("alice.pub")),
    ]));
    assert!(
        verify.contains("ok (arch64, 1 function, entry main, signed by alice (ed25519:"),
        "{verify}"
    );
    // Through the environment, among other keys.
    let keys = format!(
        "{}:{}",
        s(&setup.path("bob.pub")),
        s(&setup.path("alice.pub"))
    );
    let output = dotvm_env(
        &["run", "--require-signed", s(&signed)],
        &[("DOTVM_TRUSTED_KEYS", &keys)],
    );
    assert_eq!(ok(&output), HELLO);
    let inspect = ok(&dotvm(&["inspect", s(&signed)]));
    assert!(inspect.contains("signed by       ed25519:"), "{inspect}");
    assert!(inspect.contains("(signature valid)"), "{inspect}");
    let json = ok(&dotvm(&["inspect", s(&signed), "--json"]));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["signature"]["valid"], true);
    assert_eq!(
        json["sections"].as_array().unwrap().last().unwrap()["name"],
        "signature"
    );
    // Disassembly names the signer; the text itself is unsigned.
    let text = ok(&dotvm(&["disasm", s(&signed)]));
    assert!(text.starts_with("; signed by ed25519:"), "{text}");
    // The unsigned file still runs without --require-signed, and signed files too.
    assert_eq!(ok(&dotvm(&["run", s(&setup.path("hello.dotvm"))])), HELLO);
    assert_eq!(ok(&dotvm(&["run", s(&signed)])), HELLO);
}

/// Asserts that running `file` under `--require-signed` is refused with exit status 1 and
/// a message containing `message`, before anything runs.
fn refused(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "", "the program ran");
    let stderr = text(&output.stderr);
    assert!(stderr.contains(message), "want `{message}` in: {stderr}");
}

#[test]
fn unsigned_wrongly_signed_and_tampered_files_are_refused() {
    let setup = Setup::new();
    refused(
        &setup.run_signed(&setup.path("hello.dotvm"), "alice.pub"),
        "hello.dotvm: not signed (a signed file is required)",
    );
    refused(
        &setup.run_signed(&setup.path("hello.signed.dotvm"), "bob.pub"),
        "which is not a trusted key (trusted: bob)",
    );
    let bytes = std::fs::read(setup.path("hello.signed.dotvm")).unwrap();
    let sections = section_table(&bytes).unwrap();
    let start = |id| sections.iter().find(|s| s.id == id).unwrap().offset;
    let signature = start(SectionId::Signature);
    let cases = [
        ("code.dotvm", start(SectionId::Code)),
        ("constants.dotvm", start(SectionId::Constants) + 10),
        ("debug.dotvm", start(SectionId::Debug) + 10),
        ("entry.dotvm", 8),
        ("key.dotvm", signature + 1),
        ("signature.dotvm", signature + 40),
    ];
    for (name, at) in cases {
        let file = setup.flipped(name, at);
        let bad =
            "bad signature: the file was changed after it was signed, or the signature is corrupt";
        refused(&setup.run_signed(&file, "alice.pub"), bad);
        let verify = dotvm(&["verify", s(&file)]);
        refused(&verify, bad);
        let inspect = ok(&dotvm(&["inspect", s(&file)]));
        assert!(inspect.contains("SIGNATURE INVALID"), "{name}: {inspect}");
        // Without --require-signed it runs, with a warning.
        let output = dotvm(&["run", s(&file)]);
        assert!(
            text(&output.stderr).contains("warning: ") && text(&output.stderr).contains(bad),
            "{name}: {}",
            text(&output.stderr)
        );
    }
    // Clearing the SIGNED flag breaks the format itself.
    refused(
        &setup.run_signed(&setup.flipped("flag.dotvm", 7).clone(), "alice.pub"),
        "header.flags at byte 7",
    );
    // Programs built in memory cannot be signed.
    let dasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello.dasm");
    refused(
        &setup.run_signed(&dasm, "alice.pub"),
        "--require-signed runs only signed bytecode files",
    );
    // --require-signed without any key.
    refused(
        &dotvm(&[
            "run",
            "--require-signed",
            s(&setup.path("hello.signed.dotvm")),
        ]),
        "--require-signed needs trusted keys",
    );
}

#[test]
fn bad_key_files_are_named_and_explained() {
    let setup = Setup::new();
    let sign_with = |key: &Path| {
        dotvm(&[
            "sign",
            s(&setup.path("hello.dotvm")),
            "--key",
            s(key),
            "-o",
            s(&setup.path("out.dotvm")),
        ])
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open = setup.path("open.key");
        std::fs::copy(setup.path("alice.key"), &open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        refused(&sign_with(&open), "open.key: permissions 0644 are too open");
    }
    let write_key = |name: &str, contents: &str| {
        let path = setup.path(name);
        std::fs::write(&path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    };
    let public_as_secret = std::fs::read_to_string(setup.path("alice.pub")).unwrap();
    for (name, contents, message) in [
        (
            "short.key",
            "dotvm-ed25519-secret-key abcd\n",
            "the key is not 64 hex digits",
        ),
        ("word.key", "ssh-ed25519 AAAA\n", "wrong first word"),
        ("pub.key", public_as_secret.as_str(), "this is a public key"),
        ("empty.key", "", "wrong first word"),
    ] {
        let path = write_key(name, contents);
        refused(
            &sign_with(&path),
            &format!("{name}: not a DotVM secret key file ({message}"),
        );
    }
    refused(
        &sign_with(&setup.path("missing.key")),
        "cannot read secret key",
    );
    let signed = setup.path("hello.signed.dotvm");
    for (name, contents, message) in [
        (
            "bad.pub",
            "dotvm-ed25519-public-key zz alice\n",
            "the key is not 64 hex digits",
        ),
        (
            "secret.pub",
            "dotvm-ed25519-secret-key 00\n",
            "this is a secret key",
        ),
    ] {
        let path = write_key(name, contents);
        refused(
            &setup.run_signed(&signed, name),
            &format!("{}: not a DotVM public key file ({message}", s(&path)),
        );
    }
    refused(
        &setup.run_signed(&signed, "nope.pub"),
        "cannot read public key",
    );
}
