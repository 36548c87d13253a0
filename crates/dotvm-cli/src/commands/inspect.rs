//! `dotvm inspect`: describe a bytecode file.

use crate::cli::InspectArgs;
use crate::program::{is_built_in_memory, load_module};
use crate::signing::{check_signature, signer_id};
use anyhow::Result;
use dotvm_core::Module;
use dotvm_core::format::{VERSION, write_module};
use dotvm_core::module::{Constant, PAGE_SIZE};
use serde_json::{Value, json};

/// Prints the description as text or JSON.
pub fn execute(args: &InspectArgs) -> Result<()> {
    let module = load_module(&args.file, None)?;
    let bytes = if is_built_in_memory(&args.file) {
        write_module(&module)
    } else {
        std::fs::read(&args.file)?
    };
    let report = describe(&module, &bytes)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(())
}

/// Builds the JSON description of a module read from `bytes`.
pub fn describe(module: &Module, bytes: &[u8]) -> Result<Value> {
    let sections = dotvm_core::format::section_table(bytes)?;
    let functions: Vec<Value> = module
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "index": i,
                "name": module.function_name(i as u32),
                "params": f.params,
                "results": f.results,
                "locals": f.locals,
                "max_stack": f.max_stack,
                "code_bytes": f.code.len(),
            })
        })
        .collect();
    let constants: Vec<Value> = module.constants.iter().map(describe_constant).collect();
    Ok(json!({
        "format_version": VERSION,
        "arch": module.arch.name(),
        "word_bits": module.arch.word_bits(),
        "entry": { "index": module.entry, "name": module.function_name(module.entry) },
        "debug_info": module.debug.is_some(),
        "file_bytes": bytes.len(),
        "sections": sections.iter().map(|s| json!({
            "name": s.id.name(), "offset": s.offset, "length": s.length,
        })).collect::<Vec<_>>(),
        "functions": functions,
        "constants": constants,
        "globals": module.globals.len(),
        "memory": {
            "initial_pages": module.memory.initial_pages,
            "initial_bytes": u64::from(module.memory.initial_pages) * PAGE_SIZE,
            "max_pages": module.memory.max_pages,
            "data_segments": module.memory.segments.len(),
            "data_bytes": module.memory.segments.iter().map(|s| s.bytes.len()).sum::<usize>(),
        },
        "exports": module.exports.iter().map(|e| json!({ "name": e.name, "function": e.func })).collect::<Vec<_>>(),
        "code_bytes": module.functions.iter().map(|f| f.code.len()).sum::<usize>(),
        "signature": module.signature.map(|signature| json!({
            "algorithm": "ed25519",
            "signer": signer_id(&signature.public_key),
            "valid": check_signature(module).is_ok(),
        })),
    }))
}

fn describe_constant(constant: &Constant) -> Value {
    match constant {
        Constant::Int(v) => json!({ "type": "int", "value": v.to_string() }),
        Constant::F32(bits) => json!({ "type": "f32", "value": f32::from_bits(*bits) }),
        Constant::F64(bits) => json!({ "type": "f64", "value": f64::from_bits(*bits) }),
        Constant::Str(s) => json!({ "type": "string", "bytes": s.len() }),
        Constant::Bytes(b) => json!({ "type": "bytes", "bytes": b.len() }),
    }
}

/// Renders the description as aligned text.
fn render_text(report: &Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let name_or_index = |v: &Value, idx: &Value| match v.as_str() {
        Some(n) => n.to_string(),
        None => format!("func[{idx}]"),
    };
    let _ = writeln!(out, "format version  {}", report["format_version"]);
    let _ = writeln!(
        out,
        "architecture    {} ({}-bit words)",
        report["arch"].as_str().unwrap_or("?"),
        report["word_bits"]
    );
    let entry = &report["entry"];
    let _ = writeln!(
        out,
        "entry           {}",
        name_or_index(&entry["name"], &entry["index"])
    );
    let _ = writeln!(
        out,
        "debug info      {}",
        if report["debug_info"] == true {
            "yes"
        } else {
            "no"
        }
    );
    let _ = writeln!(out, "file size       {} bytes", report["file_bytes"]);
    let signature = &report["signature"];
    let _ = writeln!(
        out,
        "signed by       {}",
        match signature["signer"].as_str() {
            Some(signer) if signature["valid"] == true => format!("{signer} (signature valid)"),
            Some(signer) => format!("{signer} (SIGNATURE INVALID: the file was changed)"),
            None => "nobody (unsigned)".to_string(),
        }
    );
    let _ = writeln!(out, "\nsections:");
    for s in report["sections"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  {:<10} offset {:>8}  length {:>8}",
            s["name"].as_str().unwrap_or("?"),
            s["offset"],
            s["length"]
        );
    }
    let _ = writeln!(out, "\nfunctions:");
    for f in report["functions"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  [{}] {:<20} params {} results {} locals {} max_stack {} code {} bytes",
            f["index"],
            name_or_index(&f["name"], &f["index"]),
            f["params"],
            f["results"],
            f["locals"],
            f["max_stack"],
            f["code_bytes"]
        );
    }
    let exports = report["exports"].as_array().cloned().unwrap_or_default();
    if !exports.is_empty() {
        let _ = writeln!(out, "\nexports:");
        for e in &exports {
            let _ = writeln!(
                out,
                "  {} -> func[{}]",
                e["name"].as_str().unwrap_or("?"),
                e["function"]
            );
        }
    }
    let memory = &report["memory"];
    let _ = writeln!(
        out,
        "\nmemory: {} initial pages ({} bytes), max {}, {} data segments ({} bytes)",
        memory["initial_pages"],
        memory["initial_bytes"],
        memory["max_pages"]
            .as_u64()
            .map_or("unbounded".to_string(), |m| format!("{m} pages")),
        memory["data_segments"],
        memory["data_bytes"]
    );
    let _ = writeln!(
        out,
        "constants: {}, globals: {}, code: {} bytes",
        report["constants"].as_array().map_or(0, Vec::len),
        report["globals"],
        report["code_bytes"]
    );
    out
}
