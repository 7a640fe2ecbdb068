//! Prepares the prebuilt adapter modules once, at build time, so that a compile need not decode
//! every operator of one: re-encodes each (the linker pads every relocated LEB to five bytes;
//! re-encoded, they are as short as they can be, and a compile copies function bodies as they
//! are, patching only calls) and reads its imports, exports and call graph
//! (`src/codegen/module_rewrite/info.rs`, included here as it is) into a compact form, with the
//! data each function names (`data_use.rs`, from the linker's symbol table and relocations,
//! which the re-encoded module then leaves out).

use std::path::{Path, PathBuf};

use wasm_encoder::reencode::Reencode;

#[allow(dead_code)]
#[path = "src/codegen/module_rewrite/info.rs"]
mod info;

#[allow(dead_code)]
#[path = "src/codegen/module_rewrite/data_use.rs"]
mod data_use;

/// Re-encodes a module without the linker's symbol table and relocations (read before, into
/// its `ModuleInfo`; no compile needs them).
struct WithoutLinking;

impl Reencode for WithoutLinking {
    type Error = std::convert::Infallible;

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if section.name() == "linking" || section.name().starts_with("reloc.") {
            return Ok(());
        }
        wasm_encoder::reencode::utils::parse_custom_section(self, module, section)
    }
}

fn main() -> Result<(), String> {
    println!("cargo:rerun-if-changed=src/codegen/module_rewrite/info.rs");
    println!("cargo:rerun-if-changed=src/codegen/module_rewrite/data_use.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    for module in ["virtc_adapter", "virtc_adapter_trace"] {
        let path = Path::new("prebuilt").join(format!("{module}.wasm"));
        println!("cargo:rerun-if-changed={}", path.display());
        let failed = |e: &dyn std::fmt::Debug| format!("{}: {e:?}", path.display());
        let bytes = std::fs::read(&path).map_err(|e| failed(&e))?;
        let mut normalized = wasm_encoder::Module::new();
        WithoutLinking
            .parse_core_module(&mut normalized, wasmparser::Parser::new(0), &bytes)
            .map_err(|e| failed(&e))?;
        let normalized = normalized.finish();
        let mut info = info::ModuleInfo::parse(&normalized).map_err(|e| failed(&e))?;
        // Re-encoding keeps the segments and function indices, so what the module as linked
        // says of them holds for the normalized one.
        info.data = data_use::DataUse::parse(&bytes).map_err(|e| failed(&e))?;
        for (ext, contents) in [("wasm", normalized.clone()), ("info", info.encode())] {
            let target = out.join(format!("{module}.{ext}"));
            std::fs::write(&target, contents).map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}
