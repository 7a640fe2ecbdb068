//! The properties every policy text must have, checked by `policy_text` and
//! `policy_structured`: lexing, parsing and checking never panic; the formatter refuses exactly
//! the texts with syntax errors, and its output re-parses to the same tree (spans aside) and is
//! a fixed point; diagnostics render; a checked policy's run-time data survives its codec.

use virtc::analyse::settings::FileSource;
use virtc::codegen::embed::embed;
use virtc::diagnostic::Diagnostic;
use virtc_grammar::lexer::lex_all;
use virtc_grammar::{File, parse};

use crate::db::FuzzDb;

/// Longest text the targets look at: the checker's work grows with the statements, and a
/// libFuzzer `-max_len` bounds it anyway.
pub const MAX_TEXT: usize = 16 * 1024;

/// Runs every property on a policy made of `files` (the root first).
pub fn check_texts(files: &[&str]) {
    for text in files {
        check_syntax(text);
    }
    check_semantics(files);
}

/// Lexing, parsing and formatting of one text.
pub fn check_syntax(text: &str) {
    let lexed = lex_all(text);
    for (start, _, end) in &lexed.tokens {
        assert!(start <= end && *end <= text.len());
        assert!(text.is_char_boundary(*start) && text.is_char_boundary(*end));
    }
    let parsed = parse(text);
    for error in &parsed.errors {
        assert!(error.span.start <= error.span.end && error.span.end <= text.len());
        let _ = error.message();
    }
    match virtc::format::format(text) {
        Ok(once) => {
            assert!(
                parsed.errors.is_empty(),
                "formatted a text with syntax errors"
            );
            let again = parse(&once);
            assert!(
                again.errors.is_empty(),
                "the formatted text has syntax errors: {:?}\n{once}",
                again.errors
            );
            assert_eq!(
                shape(&parsed.file),
                shape(&again.file),
                "formatting changed the tree\n--- formatted ---\n{once}"
            );
            let twice = virtc::format::format(&once).expect("the formatted text formats");
            assert_eq!(once, twice, "formatting is not a fixed point");
        }
        Err(refused) => {
            assert!(!refused.errors.is_empty());
            assert!(
                !parsed.errors.is_empty(),
                "refused a text without syntax errors"
            );
        }
    }
}

/// Checking a policy (its `use`d files from the input only), rendering its diagnostics, and,
/// for a policy without errors that embeds only text, the run-time data's codec.
pub fn check_semantics(files: &[&str]) {
    // One database per input, so that an input fails alone as it failed in the run; with
    // VIRTC_FUZZ_SHARED_DB set, one for the whole run, edited per input as an editor's is.
    if std::env::var_os("VIRTC_FUZZ_SHARED_DB").is_some() {
        FuzzDb::shared(files, check_in);
    } else {
        let (db, root) = FuzzDb::with_files(files);
        check_in(&db, root);
    }
}

fn check_in(db: &FuzzDb, root: virtc::db::SourceFile) {
    let diagnostics = virtc::analyse::diagnostics(db, root);
    let mut rendered = std::collections::HashSet::new();
    for d in &diagnostics {
        check_diagnostic(db, d, &mut rendered);
    }
    let checked = virtc::analyse::policy::check_policy(db, root);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return;
    }
    let mut ir = checked.ir.clone();
    // `mount` and `file … from` read the host at build time: not from a fuzz input.
    let in_memory = ir.mounts.is_empty()
        && ir
            .files
            .iter()
            .all(|f| matches!(f.source, FileSource::Text(_)));
    if ir.has_files() && in_memory {
        let embedded = embed(&ir, &mut |_| {});
        for d in &embedded.diagnostics {
            check_diagnostic(db, d, &mut rendered);
        }
        if embedded.diagnostics.iter().any(Diagnostic::is_error) {
            return;
        }
        ir.runtime.files = embedded.files;
    } else if ir.has_files() {
        return;
    }
    let bytes = ir.runtime.encode();
    let decoded = virtc_policy::Policy::decode(&bytes).expect("an encoded policy decodes");
    assert_eq!(decoded, ir.runtime, "the policy codec lost something");
    assert_eq!(decoded.encode(), bytes);
    if !ir.runtime.files.image.is_empty() {
        let bytes = ir.runtime.files.image.to_vec();
        let image = virtc_policy::image::Image::new(&bytes).expect("an image virtc built reads");
        crate::structured::walk_image(&image, true);
    }
}

/// Checks that every label and fix of `d` lies in its file on character boundaries, and renders
/// it if no diagnostic with its code has been rendered for this input yet (rendering was
/// two fifths of the time of a policy input, and diagnostics of one code render alike).
fn check_diagnostic(db: &FuzzDb, d: &Diagnostic, rendered: &mut std::collections::HashSet<&str>) {
    for label in &d.labels {
        let text = label.file.text(db);
        assert!(
            label.span.start <= label.span.end && label.span.end <= text.len(),
            "{} label {:?} outside its file ({} bytes)",
            d.code,
            label.span,
            text.len()
        );
        assert!(
            text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end),
            "{} label {:?} inside a character",
            d.code,
            label.span
        );
    }
    for fix in &d.fixes {
        let text = fix.file.text(db);
        assert!(
            fix.span.start <= fix.span.end && text.get(fix.span.start..fix.span.end).is_some(),
            "{} fix {:?} outside its file or inside a character",
            d.code,
            fix.span
        );
    }
    if rendered.insert(d.code) {
        let _ = d.render(db, false);
    }
}

/// A syntax tree without its spans (formatting moves every node), as text: the tree's debug
/// output with every `start..end` outside string literals dropped.
pub fn shape(file: &File) -> String {
    let debug = format!("{:?}", file.stmts);
    let mut out = String::with_capacity(debug.len());
    let mut chars = debug.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
            continue;
        }
        if c.is_ascii_digit() {
            // A run of digits, dots and digits: a span, elided.
            let mut run = String::from(c);
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || n == '.' {
                    run.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if run.contains("..") {
                out.push('_');
            } else {
                out.push_str(&run);
            }
            continue;
        }
        out.push(c);
    }
    out
}
