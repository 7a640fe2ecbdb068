//! virtc: compiles WASI capability policies into virtualization adapters and composes them into
//! components. The pipeline reads top to bottom: parse (virtc-grammar) → analyse → ir → codegen,
//! with `driver` running it. The command line (`compiler/cli`) and the wasmtime host
//! (`compiler/run`) are separate crates, so the language server links neither.

pub mod analyse;
mod api;
pub mod codegen;
pub mod codes;
pub mod confine;
pub mod db;
pub mod diagnostic;
pub mod driver;
pub mod error;
pub mod format;
pub mod init;
pub mod inspect;
pub mod instant;
pub mod ir;
pub mod observe;
pub mod plan;
pub mod size;
pub mod stdlib;
pub mod versions;

pub use api::{Output, OutputBytes, Policy, PolicyBuilder, Stream, StreamMode, Subsystem};
pub use codegen::embed::{Progress, ReportEntry};
pub use diagnostic::{Diagnostic, Severity};
pub use driver::{Failure, Input, InputError, Trace};

/// An I/O error as the end of a sentence ("cannot read x: no such file or directory").
pub fn io_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => {
            let text = e.to_string();
            // Drop the " (os error N)" tail.
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text.to_lowercase(),
            }
        }
    }
}
