//! What the CLI tests share: one run of the real `virtc` binary and the checks every test makes
//! on it (never a panic, the exit code, one `error[CODE]` line).

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `virtc` in `dir` with `env` added, no stdin and no colors.
pub fn virtc(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    Run::from(
        Command::new(env!("CARGO_BIN_EXE_virtc"))
            .args(args)
            .args(["--color", "never"])
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("virtc starts"),
    )
}

/// What a run of `virtc` produced.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        // Whatever happened, it must not be a panic.
        assert!(
            !run.stderr.contains("panicked"),
            "virtc panicked:\n{}",
            run.stderr
        );
        run
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that nothing went to stderr (the machine formats' promise).
    pub fn quiet(self) -> Run {
        assert_eq!(self.stderr, "", "nothing may go to stderr");
        self
    }

    /// Asserts that stderr is exactly one `error: ...` line and returns it.
    pub fn one_error_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr:\n{}",
            self.stderr
        );
        assert!(
            lines[0].starts_with("error[V0"),
            "expected an `error[CODE]: ` line: {}",
            lines[0]
        );
        lines[0]
    }
}
