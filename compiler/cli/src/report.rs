//! How `virtc` shows what happened: diagnostics rendered for the terminal, the summary line and
//! exit code of a failure, the progress line of a long embedding, the `--report` table.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use virtc::db::Database;
use virtc::diagnostic::{Diagnostic, Severity};
use virtc::driver::Failure;

pub struct Reporter {
    pub color: bool,
}

impl Reporter {
    pub fn print(&self, db: &Database, diagnostics: &[Diagnostic]) {
        let mut err = std::io::stderr().lock();
        for d in diagnostics {
            let _ = write!(err, "{}", d.render(db, self.color));
        }
    }

    pub fn finish(&self, db: &Database, result: Result<(), Failure>) -> ExitCode {
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::Policy(diagnostics)) => {
                self.print(db, &diagnostics);
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let warnings = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Warning)
                    .count();
                let mut line = format!("error: the policy has {errors} error{}", plural(errors));
                if warnings > 0 {
                    line.push_str(&format!(" and {warnings} warning{}", plural(warnings)));
                }
                eprintln!("{line}");
                ExitCode::from(1)
            }
            Err(Failure::Input(error)) => {
                eprintln!("error[{}]: {error}", error.code());
                ExitCode::from(1)
            }
        }
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A progress line on stderr while embedding takes long (only on a terminal).
pub struct ProgressLine {
    enabled: bool,
    start: std::time::Instant,
    shown: bool,
}

impl ProgressLine {
    pub fn new(terminal: bool) -> ProgressLine {
        ProgressLine {
            enabled: terminal && std::io::stderr().is_terminal(),
            start: std::time::Instant::now(),
            shown: false,
        }
    }

    pub fn update(&mut self, p: virtc::codegen::embed::Progress) {
        if self.enabled && self.start.elapsed() > std::time::Duration::from_millis(300) {
            eprint!(
                "\r\x1b[2K  embedding: {} files, {:.1} MB",
                p.files,
                p.bytes as f64 / 1e6
            );
            self.shown = true;
        }
    }

    pub fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

pub fn print_report(entries: &[virtc::codegen::embed::ReportEntry]) {
    let mut out = std::io::stdout().lock();
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    let _ = writeln!(out, "{:<40} {:>12}  source", "guest path", "bytes");
    for e in entries {
        let source = match (&e.host, &e.link) {
            (Some(host), Some(target)) => format!("{} (link to {target})", host.display()),
            (Some(host), None) => host.display().to_string(),
            (None, _) => "(inline text)".to_string(),
        };
        let _ = writeln!(out, "{:<40} {:>12}  {source}", e.guest, e.bytes);
    }
    let _ = writeln!(out, "{} files, {total} bytes embedded", entries.len());
}
