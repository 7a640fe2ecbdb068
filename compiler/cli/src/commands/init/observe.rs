//! `virtc init --observe`: compile the component under the recording policy with the tracing
//! adapter, run it in the embedded wasmtime with its output on the terminal, collect the trace
//! and write the policy of what it used (`virtc::observe` decides what that is).

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use virtc::driver::{Failure, Input, InputError};
use virtc::observe::{Observation, Request, observed_policy, outside_project, recording_policy};
use virtc_run::{RunOptions, Status, Stdio, TraceSink};

use super::{InitCommand, check_output, output_error};

/// Runs the observation; the exit code is the component's.
pub(super) fn observe(command: &InitCommand) -> Result<ExitCode, Failure> {
    let Some(output) = &command.output else {
        // clap requires -o with --observe.
        return Err(output_error(Path::new("-"), "--observe needs -o"));
    };
    check_output(output, &command.from, command.force)?;
    let bytes = super::super::read_component(&command.from)?;
    let name = command.from.display().to_string();
    let root = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(|e| output_error(Path::new("."), virtc::io_error_text(&e)))?;
    let request = Request {
        env: command
            .env
            .iter()
            .map(|e| match e.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (e.clone(), None),
            })
            .collect(),
        root: root.clone(),
    };
    let run_failed = |detail: String| {
        Failure::Input(InputError::Run {
            name: name.clone(),
            detail,
        })
    };
    if let Some((bad, _)) = request
        .env
        .iter()
        .find(|(n, _)| n.is_empty() || n.contains(char::is_whitespace))
    {
        return Err(run_failed(format!(
            "`--env {bad}` does not name a variable"
        )));
    }

    let input = Input {
        name: &name,
        bytes: &bytes,
    };
    let recording =
        virtc::Policy::from_text(recording_policy(&request), &root).with_trace(virtc::Trace::Sink);
    let compiled = recording.compile_with(
        Some(Input {
            name: &name,
            bytes: &bytes,
        }),
        None,
        &mut |_| {},
    )?;
    let exports = virtc_run::exports(&compiled.bytes).map_err(|e| run_failed(e.to_string()))?;
    if !exports.command {
        return Err(run_failed(
            "--observe runs a command (a component exporting wasi:cli/run)".into(),
        ));
    }
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = {
        let lines = Arc::clone(&lines);
        TraceSink::new(move |line| {
            if let Ok(mut lines) = lines.lock() {
                lines.push(line.to_owned());
            }
        })
    };
    let program = command
        .from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let options = RunOptions {
        program,
        args: command.args.clone(),
        host_env: std::env::vars().collect(),
        host_config: Vec::new(),
        stdio: Stdio::Inherit,
        trace: Some(sink),
    };
    let loaded = virtc_run::load(&compiled.bytes).map_err(|e| run_failed(e.to_string()))?;
    let outcome = virtc_run::run(&compiled.policy, &loaded, &options)
        .map_err(|e| run_failed(e.to_string()))?;

    let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
    let observation = Observation::read(lines.iter().map(String::as_str));
    let policy_path = absolute(output, &root);
    let policy =
        observed_policy(&input, &observation, &request, &policy_path).map_err(Failure::Input)?;
    command.write(&policy)?;
    eprintln!(
        "virtc: wrote {} from {} WASI calls",
        output.display(),
        lines.len()
    );
    if let Some(outside) = outside_project(&observation, &request, &policy_path) {
        eprintln!(
            "warning: the policy embeds files from {}, outside its project {}: compile it with \
             `--allow-path {}` (V0064), or keep it in a project (a directory with .git) holding \
             them",
            outside.resolved.display(),
            outside.project.display(),
            outside.resolved.display()
        );
    }
    match outcome.status {
        Status::Exited(code) => Ok(ExitCode::from(u8::try_from(code).unwrap_or(1))),
        Status::Trapped(message) => {
            eprintln!("error: `{name}` trapped: {message}");
            Ok(ExitCode::from(134))
        }
    }
}

/// `path` made absolute against `root` (the working directory), without resolving links.
fn absolute(path: &Path, root: &Path) -> std::path::PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    // The parent exists (check_output saw it); canonicalize it so that relative paths are
    // computed between real directories, as `root` is.
    match (joined.parent(), joined.file_name()) {
        (Some(dir), Some(file)) => dir
            .canonicalize()
            .map(|d| d.join(file))
            .unwrap_or(joined.clone()),
        _ => joined,
    }
}
