//! Any text as a policy: lexed, parsed, checked and formatted (see `virtc_fuzz::policy`). NUL
//! bytes split the input into files: the root policy, then `./1.virt`… which it may `use`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc_fuzz::policy::{MAX_TEXT, check_semantics, check_syntax};

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_TEXT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The whole text, NULs and all, through the lexer, the parser and the formatter.
    check_syntax(text);
    let files: Vec<&str> = text.split('\0').take(4).collect();
    if files.len() > 1 {
        for file in &files {
            check_syntax(file);
        }
    }
    check_semantics(&files);
});
