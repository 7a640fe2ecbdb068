//! `virtc fmt`: policy files in canonical layout, in place or checked.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use virtc::db::Database;
use virtc::diagnostic::Diagnostic;
use virtc::driver::Failure;

use crate::output::write_atomically;
use crate::report::{Reporter, plural};

/// Format policy files in place: one statement per line, canonical spacing, comments kept.
#[derive(Args, Debug)]
#[command(after_help = "\
One statement per line; `allow random;`, `env NAME = \"v\";`, `\"a\", \"b\"`; mount blocks on
several lines, rules indented 4 spaces; comments stay where they are; blank lines between
groups are kept (runs collapse to one); the file ends in one newline. A file with syntax errors
is not formatted: its errors are reported and the exit code is 1. Directories are searched for
`.virt` files; `-` formats standard input to standard output.

Examples:
  virtc fmt pong.virt
  virtc fmt --check policies/      # exit code 1, and the files listed, if any would change")]
pub struct FmtCommand {
    /// Only report the files that would change (exit code 1 if any); write nothing.
    #[arg(long)]
    check: bool,
    /// Files, or directories to search for `.virt` files; `-` for standard input.
    #[arg(required = true, value_name = "FILES")]
    files: Vec<PathBuf>,
}

impl FmtCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        fmt(reporter, self.check, &self.files)
    }
}

/// `virtc fmt`: formats each file (or reports it with `--check`); 1 when a file has syntax
/// errors, cannot be read or written, or, with `--check`, would change.
fn fmt(reporter: &Reporter, check: bool, paths: &[PathBuf]) -> ExitCode {
    use std::io::Read;
    let mut failed = false;
    let mut unformatted = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = virt_files(path);
            if found.is_empty() {
                eprintln!("error: no `.virt` files in `{}`", path.display());
                failed = true;
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    for path in &files {
        let stdin = path.as_os_str() == "-";
        let text = if stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map(|_| text)
                .map_err(|e| virtc::io_error_text(&e))
        } else {
            std::fs::read(path)
                .map_err(|e| virtc::io_error_text(&e))
                .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".into()))
        };
        let text = match text {
            Ok(text) => text,
            Err(why) => {
                eprintln!("error: cannot read `{}`: {why}", path.display());
                failed = true;
                continue;
            }
        };
        let formatted = match virtc::format::format(&text) {
            Ok(formatted) => formatted,
            Err(unformattable) => {
                let mut db = Database::default();
                let name = if stdin { Path::new("<stdin>") } else { path };
                let file = db.set_file(name, text.clone());
                let diagnostics: Vec<Diagnostic> =
                    virtc::analyse::syntax::parse_file::accumulated::<virtc::diagnostic::Reported>(
                        &db, file,
                    )
                    .into_iter()
                    .map(|r| r.0.clone())
                    .collect();
                reporter.print(&db, &diagnostics);
                let n = unformattable.errors.len();
                eprintln!(
                    "error: cannot format `{}`: it has {n} syntax error{}",
                    path.display(),
                    plural(n)
                );
                failed = true;
                continue;
            }
        };
        if stdin {
            if check {
                if formatted != text {
                    unformatted.push(path.clone());
                }
            } else {
                print!("{formatted}");
            }
        } else if formatted != text {
            if check {
                unformatted.push(path.clone());
            } else if let Err(Failure::Input(error)) = write_atomically(path, formatted.as_bytes())
            {
                eprintln!("error[{}]: {error}", error.code());
                failed = true;
            }
        }
    }
    if !unformatted.is_empty() {
        let mut out = std::io::stdout().lock();
        for path in &unformatted {
            let _ = writeln!(out, "{}", path.display());
        }
        eprintln!(
            "error: {} file{} would be reformatted (run `virtc fmt` on {})",
            unformatted.len(),
            plural(unformatted.len()),
            if unformatted.len() == 1 { "it" } else { "them" }
        );
        failed = true;
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `.virt` files under `dir`, sorted, skipping hidden directories and `target`.
fn virt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    dirs.push(path);
                }
            } else if name.ends_with(".virt") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
