//! How `virtc` shows what happened: diagnostics rendered for the terminal, the summary line and
//! exit code of a failure, the progress line of a long embedding, the `--report` table; or, with
//! `--message-format json|sarif`, the diagnostics for programs on stdout (`message_format`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use virtc::db::Database;
use virtc::diagnostic::{Diagnostic, Severity};
use virtc::driver::Failure;

use crate::message_format::{self, MessageFormat};

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

/// Where the diagnostics of `check` and `compile` go, by `--message-format`: rendered on stderr
/// as they come (`human`), or gathered and written on stdout at the end (`json`, `sarif`), with
/// nothing on stderr.
pub struct Emitter<'a> {
    reporter: &'a Reporter,
    format: MessageFormat,
    gathered: Vec<Diagnostic>,
}

impl<'a> Emitter<'a> {
    pub fn new(reporter: &'a Reporter, format: MessageFormat) -> Emitter<'a> {
        Emitter {
            reporter,
            format,
            gathered: Vec::new(),
        }
    }

    /// Whether output is for a person (progress lines and tables may be shown).
    pub fn is_human(&self) -> bool {
        self.format == MessageFormat::Human
    }

    pub fn print(&mut self, db: &Database, diagnostics: &[Diagnostic]) {
        match self.format {
            MessageFormat::Human => self.reporter.print(db, diagnostics),
            MessageFormat::Json | MessageFormat::Sarif => {
                self.gathered.extend_from_slice(diagnostics)
            }
        }
    }

    /// The exit code of `result` (as [`Reporter::finish`] gives it), after writing what was
    /// gathered and the failure's diagnostics, input errors included.
    pub fn finish(mut self, db: &Database, result: Result<(), Failure>) -> ExitCode {
        if self.is_human() {
            return self.reporter.finish(db, result);
        }
        let code = match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::Policy(diagnostics)) => {
                self.gathered.extend(diagnostics);
                ExitCode::from(1)
            }
            Err(Failure::Input(error)) => {
                self.gathered.push(error.to_diagnostic());
                ExitCode::from(1)
            }
        };
        let text = match self.format {
            MessageFormat::Sarif => message_format::sarif_log(db, &self.gathered),
            _ => message_format::json_lines(db, &self.gathered),
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        code
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

/// `--report`: the policy files compiled, then every embedded file with its guest path, size
/// and host path.
pub fn print_report(entries: &[virtc::codegen::embed::ReportEntry], sources: &[String]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "policy files: {}", sources.join(", "));
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
