//! `virtc explain CODE`: the long explanation of a diagnostic code, as `rustc --explain` gives
//! one. The text is the library's (`virtc::codes`, markdown); here it is laid out for a
//! terminal: a title line, then the text with its fenced policies indented instead of fenced.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use virtc::codes;

/// Explain a diagnostic code, with a policy that gets it and one that does not.
#[derive(Args, Debug)]
#[command(after_help = "\
Prints what the code means, why virtc reports it, a short policy that gets it and the fixed
policy. The code is written as virtc prints it (V0020); case and leading zeros do not matter.

Examples:
  virtc explain V0020
  virtc explain v20
  virtc explain --list")]
pub struct ExplainCommand {
    /// The code, e.g. V0020.
    #[arg(
        value_name = "CODE",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    code: Option<String>,
    /// List every code with its one-line meaning.
    #[arg(long)]
    list: bool,
}

impl ExplainCommand {
    pub fn exec(self) -> ExitCode {
        if self.list {
            let text: String = codes::CODES
                .iter()
                .map(|(code, meaning)| format!("{code}  {meaning}\n"))
                .collect();
            return print(&text);
        }
        let input = self.code.unwrap_or_default();
        let found = codes::lookup(&input).and_then(|code| {
            let meaning = codes::explain(code)?;
            let text = codes::long_explanation(code)?;
            Some((code, meaning, text))
        });
        match found {
            Some((code, meaning, text)) => print(&render(code, meaning, text)),
            None => {
                eprintln!("error: `{input}` is not a virtc diagnostic code");
                eprintln!(
                    "help: codes are written like `V0020`; `virtc explain --list` lists them all"
                );
                ExitCode::from(1)
            }
        }
    }
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// The explanation for a terminal: `CODE: meaning`, then the markdown with each fenced block
/// indented by four spaces and its fence lines dropped.
fn render(code: &str, meaning: &str, markdown: &str) -> String {
    let mut out = format!("{code}: {meaning}\n\n");
    let mut in_block = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block && !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_indentation() {
        let text = render(
            "V0002",
            "syntax: the file ends inside a statement",
            "Text.\n\n```virt wrong\nallow random\n\n```\n",
        );
        assert_eq!(
            text,
            "V0002: syntax: the file ends inside a statement\n\nText.\n\n    allow random\n\n"
        );
    }
}
