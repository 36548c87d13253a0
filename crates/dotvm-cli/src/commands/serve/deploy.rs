//! Deployments: decoding a posted module (DotVM bytecode, a WebAssembly binary or its text
//! format), verifying it, naming it by the SHA-256 of its bytecode, and keeping it in the
//! state store as tool records (`dot/ID` the description, `code/ID` the bytecode), out of
//! reach of the dots themselves, so every server on the same store sees it.

use super::error::ApiError;
use super::store::{ServedStore, ServerStore, store_failure};
use crate::driver::{BuildOptions, translate_wasm};
use axum::http::StatusCode;
use dotvm_core::Verified;
use dotvm_core::format::{MAGIC, read_module, write_module};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Verified modules kept in memory at most (the cache is emptied when full).
const CACHE_ENTRIES: usize = 256;

/// What `GET /v1/dots/{id}` tells about a deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DotInfo {
    /// SHA-256 of the bytecode, in hex.
    pub(super) id: String,
    /// Bytecode size in bytes.
    pub(super) size: usize,
    /// The module's architecture.
    pub(super) arch: String,
    /// Number of functions.
    pub(super) functions: usize,
    /// What was posted: `bytecode`, `wasm` or `wat`.
    pub(super) source: String,
}

/// A decoded, verified module and its bytecode.
pub(super) struct Decoded {
    /// The description stored with it.
    pub(super) info: DotInfo,
    /// The canonical bytecode.
    pub(super) bytecode: Vec<u8>,
}

/// Decodes and verifies a posted module: 400 for a body that is no module, 422 for a
/// module that does not translate, decode or verify.
pub(super) fn decode(body: &[u8]) -> Result<Decoded, ApiError> {
    let invalid = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    let (module, source) = if body.starts_with(b"\0asm") {
        let module = translate_wasm(body, &BuildOptions::default())
            .map_err(|e| invalid(format!("cannot translate the WebAssembly module: {e}")))?;
        (module, "wasm")
    } else if body.starts_with(&MAGIC) {
        let module = read_module(body).map_err(|e| invalid(format!("invalid bytecode: {e}")))?;
        (module, "bytecode")
    } else if let Ok(text) = std::str::from_utf8(body)
        && text.trim_start().starts_with('(')
    {
        let wasm =
            wat::parse_str(text).map_err(|e| invalid(format!("invalid WebAssembly text: {e}")))?;
        let module = translate_wasm(&wasm, &BuildOptions::default())
            .map_err(|e| invalid(format!("cannot translate the WebAssembly module: {e}")))?;
        (module, "wat")
    } else if body.is_empty() {
        return Err(ApiError::bad_request("the body is empty: send a module"));
    } else {
        return Err(ApiError::bad_request(
            "the body is not a module (DotVM bytecode, a WebAssembly binary or WebAssembly text)",
        ));
    };
    let verified =
        Verified::new(module).map_err(|e| invalid(format!("verification failed: {e}")))?;
    let bytecode = write_module(verified.module());
    let info = DotInfo {
        id: hex(&Sha256::digest(&bytecode)),
        size: bytecode.len(),
        arch: verified.module().arch.to_string(),
        functions: verified.module().functions.len(),
        source: source.to_string(),
    };
    Ok(Decoded { info, bytecode })
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// True for a well-formed id (64 lower-case hex digits).
pub(super) fn is_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The record holding the description of `id`.
fn info_key(id: &str) -> Vec<u8> {
    format!("dot/{id}").into_bytes()
}

/// The record holding the bytecode of `id`.
fn code_key(id: &str) -> Vec<u8> {
    format!("code/{id}").into_bytes()
}

/// The description of deployment `id` in the store's open transaction, or `None`.
pub(super) fn info(store: &mut dyn ServedStore, id: &str) -> Result<Option<DotInfo>, ApiError> {
    let Some(raw) = store.record(&info_key(id)).map_err(store_failure)? else {
        return Ok(None);
    };
    serde_json::from_slice(&raw)
        .map(Some)
        .map_err(|e| ApiError::internal(format!("damaged deployment record `{id}`: {e}")))
}

/// The deployments: storing, listing, deleting, and loading verified modules (cached).
pub(super) struct Deployments {
    cache: Mutex<HashMap<String, dotvm::Module>>,
}

impl Deployments {
    /// An empty cache.
    pub(super) fn new() -> Deployments {
        Deployments {
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Stores `decoded`; returns true when it was not deployed before.
    pub(super) fn deploy(&self, store: &ServerStore, decoded: &Decoded) -> Result<bool, ApiError> {
        let id = &decoded.info.id;
        store.with(|store| {
            if info(store, id)?.is_some() {
                return Ok(false);
            }
            let description =
                serde_json::to_vec(&decoded.info).map_err(|e| ApiError::internal(e.to_string()))?;
            store.put_record(&code_key(id), &decoded.bytecode);
            store.put_record(&info_key(id), &description);
            store.commit().map_err(store_failure)?;
            Ok(true)
        })?
    }

    /// Every deployment's description.
    pub(super) fn list(&self, store: &ServerStore) -> Result<Vec<DotInfo>, ApiError> {
        store.with(|store| {
            let records = store.records(b"dot/").map_err(store_failure)?;
            records
                .iter()
                .map(|(name, raw)| {
                    serde_json::from_slice(raw).map_err(|e| {
                        ApiError::internal(format!(
                            "damaged deployment record `{}`: {e}",
                            String::from_utf8_lossy(name)
                        ))
                    })
                })
                .collect()
        })?
    }

    /// The description of `id` (404 when unknown).
    pub(super) fn get(&self, store: &ServerStore, id: &str) -> Result<DotInfo, ApiError> {
        if !is_id(id) {
            return Err(ApiError::unknown_dot(id));
        }
        store
            .with(|store| info(store, id))??
            .ok_or_else(|| ApiError::unknown_dot(id))
    }

    /// Removes `id` (404 when unknown).
    pub(super) fn delete(&self, store: &ServerStore, id: &str) -> Result<(), ApiError> {
        if !is_id(id) {
            return Err(ApiError::unknown_dot(id));
        }
        store.with(|store| {
            if !store.delete_record(&info_key(id)).map_err(store_failure)? {
                return Err(ApiError::unknown_dot(id));
            }
            store.delete_record(&code_key(id)).map_err(store_failure)?;
            store.commit().map_err(store_failure)
        })??;
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        Ok(())
    }

    /// The verified module `id` for `engine` (the server's: every module runs under its
    /// limits), from the cache or the store (404 when unknown). Whether it is still
    /// deployed is checked again inside each run's transaction.
    pub(super) fn module(
        &self,
        store: &ServerStore,
        engine: &dotvm::Engine,
        id: &str,
    ) -> Result<dotvm::Module, ApiError> {
        if !is_id(id) {
            return Err(ApiError::unknown_dot(id));
        }
        if let Some(module) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            return Ok(module.clone());
        }
        let bytecode = store
            .with(|store| store.record(&code_key(id)))?
            .map_err(store_failure)?
            .ok_or_else(|| ApiError::unknown_dot(id))?;
        let module = read_module(&bytecode)
            .ok()
            .and_then(|module| dotvm::Module::from_module(engine, module).ok())
            .ok_or_else(|| {
                ApiError::internal(format!("the stored bytecode of `{id}` is damaged"))
            })?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(id.to_string(), module.clone());
        Ok(module)
    }
}
