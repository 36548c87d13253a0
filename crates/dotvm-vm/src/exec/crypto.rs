//! The crypto instructions (`HASH` … `RANDOM`): guest memory in, host crate call, guest
//! memory and a status word out. Layouts, status codes and costs: `docs/crypto.md`.

use super::Machine;
use super::slow_path::{at, charge, finish, operands, range, read_array};
use crate::crypto_op::CryptoOp;
use crate::host::{Errno, Host};
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_crypto::aead::{self, AeadAlgorithm};
use dotvm_crypto::hash::HashAlgorithm;
use dotvm_crypto::sealed_box;
use dotvm_crypto::signature::{
    KeyAlgorithm, RECOVERABLE_SIGNATURE_LEN, SEC1_UNCOMPRESSED_LEN, SignatureAlgorithm,
};
use dotvm_crypto::{Error, STATUS_OK, fuel};

/// The status word for a result.
fn status<W: Word, T>(result: &Result<T, Error>) -> W {
    W::from_u64(match result {
        Ok(_) => STATUS_OK,
        Err(e) => e.status(),
    })
}

/// Runs one crypto instruction on the saved machine state.
pub(super) fn execute<W: Word>(m: &mut Machine<'_, W>, op: CryptoOp) -> Result<(), TrapKind> {
    m.check_interrupt()?;
    match op {
        CryptoOp::Hash(algorithm) => hash(m, algorithm),
        CryptoOp::Keygen(algorithm) => keygen(m, algorithm),
        CryptoOp::Sign(algorithm) => sign(m, algorithm),
        CryptoOp::Verify(algorithm) => verify(m, algorithm),
        CryptoOp::Recover(algorithm) => recover(m, algorithm),
        CryptoOp::Encrypt(algorithm) => encrypt(m, algorithm),
        CryptoOp::Decrypt(algorithm) => decrypt(m, algorithm),
        CryptoOp::Seal => seal(m),
        CryptoOp::Open => open(m),
        CryptoOp::Random => random_bytes(m),
    }
}

/// `HASH`: `src len dst --`.
fn hash<W: Word>(m: &mut Machine<'_, W>, algorithm: HashAlgorithm) -> Result<(), TrapKind> {
    let [src, len, dst] = operands(m);
    let (src, len) = range(src, len)?;
    let out_len = algorithm.output_len();
    let dst = at(dst, out_len as u64)?;
    m.memory.check_writable(dst, out_len as u64)?;
    let input = m.memory.read(src, len)?;
    charge(&mut m.fuel, fuel::hash(algorithm, len))?;
    let digest = algorithm.digest(input);
    m.memory.write(dst, digest.as_bytes())?;
    finish(m, 3, None);
    Ok(())
}

/// `KEYGEN`: `seed pk -- status`.
fn keygen<W: Word>(m: &mut Machine<'_, W>, algorithm: KeyAlgorithm) -> Result<(), TrapKind> {
    let [seed, pk] = operands(m);
    let seed: [u8; 32] = read_array(m, seed)?;
    let out_len = algorithm.public_key_len();
    let pk = at(pk, out_len as u64)?;
    m.memory.check_writable(pk, out_len as u64)?;
    charge(&mut m.fuel, fuel::keygen(algorithm))?;
    let result = algorithm.public_key(&seed);
    if let Ok(key) = &result {
        m.memory.write(pk, key)?;
    }
    finish(m, 2, Some(status(&result)));
    Ok(())
}

/// `SIGN`: `sk msg len sig -- status`.
fn sign<W: Word>(m: &mut Machine<'_, W>, algorithm: SignatureAlgorithm) -> Result<(), TrapKind> {
    let [sk, msg, len, sig] = operands(m);
    let sk: [u8; 32] = read_array(m, sk)?;
    let (msg, len) = range(msg, len)?;
    let out_len = algorithm.signature_len();
    let sig = at(sig, out_len as u64)?;
    m.memory.check_writable(sig, out_len as u64)?;
    let message = m.memory.read(msg, len)?;
    charge(&mut m.fuel, fuel::sign(algorithm, len))?;
    let result = algorithm.sign(&sk, message);
    if let Ok(signature) = &result {
        m.memory.write(sig, signature)?;
    }
    finish(m, 4, Some(status(&result)));
    Ok(())
}

/// `VERIFY`: `pk pk_len msg len sig sig_len -- ok`.
fn verify<W: Word>(m: &mut Machine<'_, W>, algorithm: SignatureAlgorithm) -> Result<(), TrapKind> {
    let [pk, pk_len, msg, len, sig, sig_len] = operands(m);
    let (pk, pk_len) = range(pk, pk_len)?;
    let (msg, len) = range(msg, len)?;
    let (sig, sig_len) = range(sig, sig_len)?;
    let key = m.memory.read(pk, pk_len)?;
    let message = m.memory.read(msg, len)?;
    let signature = m.memory.read(sig, sig_len)?;
    charge(&mut m.fuel, fuel::verify(algorithm, len))?;
    let valid = algorithm.verify(key, message, signature);
    finish(m, 6, Some(W::from_bool(valid)));
    Ok(())
}

/// `RECOVER`: `msg len sig pk -- status`.
fn recover<W: Word>(m: &mut Machine<'_, W>, algorithm: SignatureAlgorithm) -> Result<(), TrapKind> {
    let [msg, len, sig, pk] = operands(m);
    let (msg, len) = range(msg, len)?;
    let signature: [u8; RECOVERABLE_SIGNATURE_LEN] = read_array(m, sig)?;
    let pk = at(pk, SEC1_UNCOMPRESSED_LEN as u64)?;
    m.memory.check_writable(pk, SEC1_UNCOMPRESSED_LEN as u64)?;
    let message = m.memory.read(msg, len)?;
    charge(&mut m.fuel, fuel::recover(algorithm, len))?;
    let result = algorithm.recover(message, &signature);
    if let Ok(key) = &result {
        m.memory.write(pk, key)?;
    }
    finish(m, 4, Some(status(&result)));
    Ok(())
}

/// The checked operands of `ENCRYPT`/`DECRYPT` (`key nonce ad ad_len src len dst`).
struct AeadArgs {
    key: [u8; aead::KEY_LEN],
    nonce: [u8; aead::NONCE_LEN],
    ad: (u64, u64),
    src: (u64, u64),
    dst: u64,
}

/// Reads and checks the operands of `ENCRYPT`/`DECRYPT`. `Ok(Err(_))` is a status decided
/// from the lengths alone (too large, or too short to hold a tag), before any memory access.
fn aead_args<W: Word>(
    m: &Machine<'_, W>,
    output_len: impl Fn(u64) -> Option<u64>,
) -> Result<Result<AeadArgs, Error>, TrapKind> {
    let [key, nonce, ad, ad_len, src, len, dst] = operands(m);
    let (ad, ad_len) = range(ad, ad_len)?;
    let (src, len) = range(src, len)?;
    if let Err(e) = aead::check_lengths(ad_len, len) {
        return Ok(Err(e));
    }
    let Some(out_len) = output_len(len) else {
        return Ok(Err(Error::BadLength));
    };
    let args = AeadArgs {
        key: read_array(m, key)?,
        nonce: read_array(m, nonce)?,
        ad: (ad, ad_len),
        src: (src, len),
        dst: at(dst, out_len)?,
    };
    m.memory.read(ad, ad_len)?;
    m.memory.read(src, len)?;
    m.memory.check_writable(args.dst, out_len)?;
    Ok(Ok(args))
}

/// `ENCRYPT`: `key nonce ad ad_len src len dst -- status`.
fn encrypt<W: Word>(m: &mut Machine<'_, W>, algorithm: AeadAlgorithm) -> Result<(), TrapKind> {
    aead_op(
        m,
        algorithm,
        |len| Some(len + aead::TAG_LEN as u64),
        AeadAlgorithm::encrypt,
    )
}

/// `DECRYPT`: `key nonce ad ad_len src len dst -- status`.
fn decrypt<W: Word>(m: &mut Machine<'_, W>, algorithm: AeadAlgorithm) -> Result<(), TrapKind> {
    aead_op(
        m,
        algorithm,
        |len| len.checked_sub(aead::TAG_LEN as u64),
        AeadAlgorithm::decrypt,
    )
}

/// [`AeadAlgorithm::encrypt`] or [`AeadAlgorithm::decrypt`]: key, nonce, associated data,
/// input.
type AeadFn = fn(
    AeadAlgorithm,
    &[u8; aead::KEY_LEN],
    &[u8; aead::NONCE_LEN],
    &[u8],
    &[u8],
) -> Result<Vec<u8>, Error>;

/// The common body of `ENCRYPT` and `DECRYPT`.
fn aead_op<W: Word>(
    m: &mut Machine<'_, W>,
    algorithm: AeadAlgorithm,
    output_len: impl Fn(u64) -> Option<u64>,
    run: AeadFn,
) -> Result<(), TrapKind> {
    let result = match aead_args(m, output_len)? {
        Err(e) => Err(e),
        Ok(args) => {
            let ad = m.memory.read(args.ad.0, args.ad.1)?;
            let input = m.memory.read(args.src.0, args.src.1)?;
            charge(&mut m.fuel, fuel::aead(algorithm, args.ad.1, args.src.1))?;
            let result = run(algorithm, &args.key, &args.nonce, ad, input);
            if let Ok(output) = &result {
                m.memory.write(args.dst, output)?;
            }
            result
        }
    };
    finish(m, 7, Some(status(&result)));
    Ok(())
}

/// `SEAL`: `pk src len dst -- status`.
fn seal<W: Word>(m: &mut Machine<'_, W>) -> Result<(), TrapKind> {
    let [pk, src, len, dst] = operands(m);
    let (src, len) = range(src, len)?;
    let result = if len > aead::MAX_MESSAGE {
        Err(Error::TooLarge)
    } else {
        let recipient: [u8; 32] = read_array(m, pk)?;
        let out_len = len + sealed_box::OVERHEAD as u64;
        let dst = at(dst, out_len)?;
        m.memory.check_writable(dst, out_len)?;
        m.memory.read(src, len)?;
        charge(&mut m.fuel, fuel::sealed_box(len))?;
        let mut ephemeral = [0u8; 32];
        match random(m.host, &mut ephemeral)? {
            Ok(()) => {
                let message = m.memory.read(src, len)?;
                let result = sealed_box::seal(&recipient, ephemeral, message);
                if let Ok(sealed) = &result {
                    m.memory.write(dst, sealed)?;
                }
                result.map(|_| ())
            }
            Err(denied) => Err(denied),
        }
    };
    finish(m, 4, Some(status(&result)));
    Ok(())
}

/// `OPEN`: `sk src len dst -- status`.
fn open<W: Word>(m: &mut Machine<'_, W>) -> Result<(), TrapKind> {
    let [sk, src, len, dst] = operands(m);
    let (src, len) = range(src, len)?;
    let result = match len.checked_sub(sealed_box::OVERHEAD as u64) {
        _ if len > aead::MAX_MESSAGE => Err(Error::TooLarge),
        None => Err(Error::BadLength),
        Some(out_len) => {
            let secret: [u8; 32] = read_array(m, sk)?;
            let dst = at(dst, out_len)?;
            m.memory.check_writable(dst, out_len)?;
            let sealed = m.memory.read(src, len)?;
            charge(&mut m.fuel, fuel::sealed_box(len))?;
            let result = sealed_box::open(&secret, sealed);
            if let Ok(message) = &result {
                m.memory.write(dst, message)?;
            }
            result.map(|_| ())
        }
    };
    finish(m, 4, Some(status(&result)));
    Ok(())
}

/// `RANDOM`: `dst len -- status`.
fn random_bytes<W: Word>(m: &mut Machine<'_, W>) -> Result<(), TrapKind> {
    let [dst, len] = operands(m);
    let (dst, len) = range(dst, len)?;
    m.memory.check_writable(dst, len)?;
    charge(&mut m.fuel, fuel::random(len))?;
    let result = random(m.host, m.memory.read_mut(dst, len)?)?;
    finish(m, 2, Some(status(&result)));
    Ok(())
}

/// Fills `buf` from the run's random source (the host's `random` capability):
/// `Ok(Err(Denied))` when it is not granted, a trap when the source itself fails.
fn random(host: &mut Host, buf: &mut [u8]) -> Result<Result<(), Error>, TrapKind> {
    match host.fill_random(buf) {
        Ok(()) => Ok(Ok(())),
        Err(Errno::NotCapable) => Ok(Err(Error::Denied)),
        Err(errno) => Err(TrapKind::Host(format!("random source failed: {errno:?}"))),
    }
}
