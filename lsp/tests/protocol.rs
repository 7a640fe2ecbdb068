//! The server driven in-process through JSON-RPC messages, as an editor drives it: initialize,
//! open, edit, then every request it serves. Responses are snapshots (with the temporary
//! directory written `<dir>`), so a change in what an editor sees shows up in review.

use std::path::Path;

use serde_json::{Value, json};
use virtc_lsp::Options;
use virtc_lsp::testing::TestClient;

struct Fixture {
    dir: tempfile::TempDir,
    client: TestClient,
}

const BASE: &str = "// base.virt\ndeny random;\nstdout ignore;\nallow clock;\n";

impl Fixture {
    async fn new() -> Fixture {
        Fixture::with_capabilities(json!({})).await
    }

    async fn with_capabilities(capabilities: Value) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.virt"), BASE).unwrap();
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        std::fs::write(dir.path().join("profiles/strict.virt"), "deny all;\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        let options = Options {
            cache_dir: dir.path().join("cache"),
            host_env: ["HOME", "LANG", "LANG_ALL", "PATH"]
                .map(String::from)
                .to_vec(),
        };
        let (client, _) = TestClient::start(options, capabilities).await;
        Fixture { dir, client }
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}", self.dir.path().join(name).display())
    }

    async fn open(&mut self, name: &str, text: &str) -> String {
        let uri = self.uri(name);
        self.client
            .notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": uri, "languageId": "virt", "version": 1, "text": text } }),
            )
            .await;
        uri
    }

    async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.client
            .notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
            )
            .await;
    }

    async fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        self.client
            .request(
                method,
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
            )
            .await
    }

    /// `value` as pretty JSON with the temporary directory replaced.
    fn show(&self, value: &Value) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        text.replace(&self.dir.path().display().to_string(), "<dir>")
            .replace(
                concat!("virtc-", env!("CARGO_PKG_VERSION")),
                "virtc-VERSION",
            )
    }
}

/// Edits `text` as `edits` (LSP text edits) say, for checking formatting and code actions.
fn apply(text: &str, edits: &Value) -> String {
    let offset = |pos: &Value| {
        let (line, character) = (
            pos["line"].as_u64().unwrap(),
            pos["character"].as_u64().unwrap(),
        );
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize)
            .map(str::len)
            .sum();
        let mut units = 0;
        let line_text = &text[start..];
        for (i, c) in line_text.char_indices() {
            if units >= character as usize || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for edit in edits {
        let (start, end) = (
            offset(&edit["range"]["start"]),
            offset(&edit["range"]["end"]),
        );
        out.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    out
}

#[tokio::test]
async fn initialize_announces_capabilities() {
    let (_, init) = TestClient::start(Options::default(), json!({})).await;
    let text = serde_json::to_string_pretty(&init).unwrap();
    insta::assert_snapshot!(text.replace(env!("CARGO_PKG_VERSION"), "VERSION"));
}

#[tokio::test]
async fn diagnostics_on_open_and_change() {
    let mut f = Fixture::new().await;
    let text = "// policy\nuse \"./base.virt\";\nallow /* 🦀 */ randon;\nstdout allow;\nallow exit;\nallow exit;\n";
    let uri = f.open("policy.virt", text).await;
    let opened = f.client.diagnostics(&uri, Some(1)).await;
    // The typo is fixed (the crab before it is two UTF-16 code units).
    f.change(
        &uri,
        2,
        json!([{ "range": { "start": { "line": 2, "character": 20 }, "end": { "line": 2, "character": 21 } }, "text": "m" }]),
    )
    .await;
    let changed = f.client.diagnostics(&uri, Some(2)).await;
    // The used file, opened: its own errors are published for it.
    let base = f.open("base.virt", BASE).await;
    let base_diagnostics = f.client.diagnostics(&base, Some(1)).await;
    insta::assert_snapshot!(format!(
        "--- opened\n{}\n--- after fixing the typo\n{}\n--- base.virt, opened\n{}",
        f.show(&opened),
        f.show(&changed),
        f.show(&base_diagnostics)
    ));
}

#[tokio::test]
async fn closing_clears_diagnostics() {
    let mut f = Fixture::new().await;
    let uri = f.open("policy.virt", "allow nothing;\n").await;
    let opened = f.client.diagnostics(&uri, Some(1)).await;
    assert_eq!(opened["diagnostics"].as_array().unwrap().len(), 1);
    f.client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let closed = f
        .client
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
        })
        .await;
    assert_eq!(closed["version"], Value::Null);
}

#[tokio::test]
async fn completion() {
    let mut f = Fixture::new().await;
    let text = "\nallow \nstdout \nuse std::\nuse \"./\nenv allow \"LA\nmount \"/\" from \"./\nmount \"/\" from \"./d\" {\n    ex\n}\nuse \"./profiles/\n// allow \nudp \nhttp \nhttp allow \"https://a\", \"ht\nclocks \nrandom \nmount \"/w\" from \"./w\" \ntmpfs \"/tmp\" \n";
    let uri = f.open("policy.virt", text).await;
    let mut out = String::new();
    for (what, line, character) in [
        ("statement start", 0, 0),
        ("after allow", 1, 6),
        ("after stdout", 2, 7),
        ("after use std::", 3, 9),
        ("in use \"./", 4, 7),
        ("in env allow \"LA", 5, 13),
        ("in mount … from \"./", 6, 19),
        ("in a mount block", 8, 6),
        ("in use \"./profiles/", 10, 16),
        ("in a comment", 11, 9),
        ("after udp", 12, 4),
        ("after http", 13, 5),
        ("in http allow \"…\", \"ht", 14, 27),
        ("after clocks", 15, 7),
        ("after random", 16, 7),
        ("after a mount's paths", 17, 22),
        ("after a tmpfs's path", 18, 13),
    ] {
        let response = f.at("textDocument/completion", &uri, line, character).await;
        let items: Vec<String> = response["result"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        let edit = &i["textEdit"];
                        format!(
                            "{} ({}) {}:{}-{}",
                            i["label"].as_str().unwrap(),
                            i["kind"],
                            edit["range"]["start"]["line"],
                            edit["range"]["start"]["character"],
                            edit["range"]["end"]["character"],
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "--- {what} ({line}:{character})\n{}\n",
            items.join("\n")
        ));
    }
    // One item in full, with its documentation.
    let random = f.at("textDocument/completion", &uri, 1, 6).await["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "random")
        .cloned()
        .unwrap();
    out.push_str(&format!(
        "--- the item `random` after allow\n{}\n",
        f.show(&random)
    ));
    insta::assert_snapshot!(out);
}

#[tokio::test]
async fn hover() {
    let mut f = Fixture::new().await;
    let text = "use std::sandbox;\nallow random;\nstdout ignore;\nenv PONG = \"demo\";\nenv allow \"LANG*\";\nargs \"a\", \"b\";\nuse \"./base.virt\";\ntcp connect \"db.internal:5432\";\nhttp deny \"https://api.example.com/admin/**\";\nconfig \"log-level\" = \"debug\";\nconfig allow \"APP_*\";\nclocks fixed \"2026-01-01T00:00:00Z\";\nrandom seed 7;\n";
    let uri = f.open("policy.virt", text).await;
    let mut out = String::new();
    for (line, character) in [
        (0, 6),
        (1, 8),
        (2, 3),
        (3, 5),
        (4, 5),
        (5, 0),
        (6, 8),
        (7, 5),
        (8, 2),
        (9, 3),
        (10, 8),
        (11, 8),
        (12, 8),
    ] {
        let response = f.at("textDocument/hover", &uri, line, character).await;
        out.push_str(&format!(
            "--- {line}:{character} {:?}\n{}\n",
            text.lines().nth(line as usize).unwrap(),
            response["result"]["contents"]["value"]
                .as_str()
                .unwrap_or("(none)")
                .replace(&f.dir.path().display().to_string(), "<dir>")
        ));
    }
    insta::assert_snapshot!(out);
}

#[tokio::test]
async fn definition() {
    let mut f = Fixture::new().await;
    let text =
        "use std::sandbox;\nuse \"./base.virt\";\nallow random;\nstdout allow;\nallow all;\n";
    let uri = f.open("policy.virt", text).await;
    let mut out = String::new();
    for (line, character) in [(0, 10), (1, 6), (2, 3), (3, 3), (4, 0)] {
        let response = f.at("textDocument/definition", &uri, line, character).await;
        out.push_str(&format!(
            "--- {line}:{character} {:?}\n{}\n",
            text.lines().nth(line as usize).unwrap(),
            f.show(&response)
        ));
    }
    insta::assert_snapshot!(out);
    // The profile is written where the definition points, read-only.
    let profile = f.dir.path().join(concat!(
        "cache/virtc-",
        env!("CARGO_PKG_VERSION"),
        "/std/sandbox.virt"
    ));
    assert_eq!(
        std::fs::read_to_string(&profile).unwrap(),
        virtc::stdlib::profile("sandbox").unwrap()
    );
    assert!(
        std::fs::metadata(&profile)
            .unwrap()
            .permissions()
            .readonly()
    );
}

#[tokio::test]
async fn formatting() {
    let mut f = Fixture::new().await;
    let text = "use   std::cli ;allow random;\n\n\n// env\nenv PONG=\"demo\";   // why\nmount \"/\" from \"./assets\" { include \"*.txt\"; };\n";
    let uri = f.open("policy.virt", text).await;
    let options = json!({ "tabSize": 4, "insertSpaces": true });
    let response = f
        .client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": options }),
        )
        .await;
    let formatted = apply(text, &response["result"]);
    assert_eq!(formatted, virtc::format::format(text).unwrap());
    // Formatted already: no edits. With syntax errors: none either.
    let again = f.open("formatted.virt", &formatted).await;
    let none = f
        .client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": again }, "options": options }),
        )
        .await;
    let broken = f.open("broken.virt", "allow random\nderp").await;
    let refused = f
        .client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": broken }, "options": options }),
        )
        .await;
    insta::assert_snapshot!(format!(
        "--- edits\n{}\n--- result\n{formatted}--- already formatted\n{}\n--- syntax errors\n{}",
        f.show(&response),
        f.show(&none),
        f.show(&refused)
    ));
}

#[tokio::test]
async fn code_actions() {
    let mut f = Fixture::new().await;
    let text = "allow randon;\nstdout ignor;\nallow exit;\nallow exit;\nuse std::sandbx;\nallow clocks\ndeny fs;\nhttp allow \"get https://api.example.com/**\", \"http://h:90-80\";\n";
    let uri = f.open("policy.virt", text).await;
    f.client.diagnostics(&uri, Some(1)).await;
    let mut out = String::new();
    for line in [0, 1, 2, 3, 4, 5, 7] {
        let response = f
            .client
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": { "uri": uri },
                    "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 99 } },
                    "context": { "diagnostics": [] }
                }),
            )
            .await;
        for action in response["result"].as_array().into_iter().flatten() {
            let edits = &action["edit"]["changes"][&uri];
            out.push_str(&format!(
                "--- line {line}: {} [{}]\n{}",
                action["title"].as_str().unwrap(),
                action["diagnostics"][0]["code"].as_str().unwrap(),
                apply(text, edits)
            ));
        }
    }
    insta::assert_snapshot!(out);
}

#[tokio::test]
async fn symbols_and_semantic_tokens() {
    let mut f = Fixture::with_capabilities(json!({
        "textDocument": { "documentSymbol": { "hierarchicalDocumentSymbolSupport": true } }
    }))
    .await;
    let text = "// policy\nuse std::cli;\nallow env; /* env */\nenv \"A B\" = \"x\";\nenv PONG = \"é🦀\";\nmount \"/\" from \"./assets\" {\n    include \"*.txt\";\n}\nstdout ignore;\nhttp allow \"GET https://api.example.com/**\";\n# hash\n";
    let uri = f.open("policy.virt", text).await;
    let symbols = f
        .client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let tokens = f
        .client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    // Decode the tokens into (line, column, length, type, text) for review.
    let legend = [
        "keyword",
        "string",
        "comment",
        "variable",
        "enumMember",
        "namespace",
        "operator",
    ];
    let data: Vec<u64> = tokens["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines: Vec<Vec<u16>> = text.lines().map(|l| l.encode_utf16().collect()).collect();
    let (mut line, mut column) = (0, 0);
    let mut decoded = String::new();
    for chunk in data.chunks(5) {
        if chunk[0] > 0 {
            line += chunk[0] as usize;
            column = 0;
        }
        column += chunk[1] as usize;
        let piece = String::from_utf16_lossy(&lines[line][column..column + chunk[2] as usize]);
        decoded.push_str(&format!(
            "{line}:{column} {} {piece:?}\n",
            legend[chunk[3] as usize]
        ));
    }
    let mut outline = String::new();
    outline_of(&symbols["result"], 0, &mut outline);
    insta::assert_snapshot!(format!("--- symbols\n{outline}--- tokens\n{decoded}"));
}

/// Document symbols as an indented outline: name, kind, detail, range, selection range.
fn outline_of(symbols: &Value, depth: usize, out: &mut String) {
    let range = |r: &Value| {
        format!(
            "{}:{}-{}:{}",
            r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"]
        )
    };
    for symbol in symbols.as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}{} (kind {}) {} {} sel {}\n",
            "    ".repeat(depth),
            symbol["name"].as_str().unwrap(),
            symbol["kind"],
            symbol["detail"].as_str().unwrap_or("-"),
            range(&symbol["range"]),
            range(&symbol["selectionRange"]),
        ));
        outline_of(&symbol["children"], depth + 1, out);
    }
}

#[tokio::test]
async fn edits_apply_in_order_and_the_last_one_wins() {
    let mut f = Fixture::new().await;
    let uri = f.open("policy.virt", "").await;
    // Type a policy one character at a time, as fast as the client can send.
    let typed = "allow random;\nstdout ignore;\nenv A = \"🦀\";\nallow nothing;\n";
    let mut line = 0;
    let mut character = 0;
    for (i, c) in typed.chars().enumerate() {
        f.change(
            &uri,
            i as i64 + 2,
            json!([{ "range": { "start": { "line": line, "character": character }, "end": { "line": line, "character": character } }, "text": c.to_string() }]),
        )
        .await;
        if c == '\n' {
            line += 1;
            character = 0;
        } else {
            character += c.len_utf16() as u32;
        }
    }
    let last = typed.chars().count() as i64 + 1;
    let published = f.client.diagnostics(&uri, Some(last)).await;
    let codes: Vec<&str> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["V0010"], "{published:#}");
    assert_eq!(
        published["diagnostics"][0]["range"]["start"],
        json!({ "line": 3, "character": 6 })
    );
    let formatted = f
        .client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
        )
        .await;
    assert_eq!(
        formatted["result"],
        Value::Null,
        "the typed text is formatted already"
    );
}

#[tokio::test]
async fn unknown_and_malformed_messages_are_answered() {
    let mut f = Fixture::new().await;
    let unknown = f.client.request("virtc/nothing", json!({})).await;
    let bad_params = f
        .client
        .request("textDocument/hover", json!({ "textDocument": 42 }))
        .await;
    let unopened = f
        .at("textDocument/hover", "file:///nowhere.virt", 0, 0)
        .await;
    f.client
        .notify("textDocument/didChange", json!({ "nonsense": true }))
        .await;
    // A notification about a document that is not open is ignored.
    f.change("file:///nowhere.virt", 3, json!([{ "text": "x" }]))
        .await;
    // The server still works.
    let uri = f.open("policy.virt", "allow random;\n").await;
    let hover = f.at("textDocument/hover", &uri, 0, 0).await;
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("wasi:random/random")
    );
    insta::assert_snapshot!(format!(
        "--- unknown method\n{}\n--- bad params\n{}\n--- unopened document\n{}",
        f.show(&unknown),
        f.show(&bad_params),
        f.show(&unopened)
    ));
}

#[tokio::test]
async fn any_text_anywhere() {
    let mut f = Fixture::new().await;
    // Binary garbage (as a JSON string can carry it), half-typed statements, and a huge file.
    let mut garbage = String::new();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..5000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        garbage.push(char::from_u32((state % 0x11000) as u32).unwrap_or('\u{fffd}'));
        if state.is_multiple_of(7) {
            garbage.push_str(
                [
                    "allow",
                    "\"",
                    "/*",
                    "mount",
                    "{",
                    "}",
                    ";",
                    "use std::",
                    "\n",
                    "\0",
                ][(state % 10) as usize],
            );
        }
    }
    let half = "mount \"/\" from \"./assets\" {\n    include \"*.txt\"\nuse std::\nenv allow \"";
    let huge = "env allow \"HOME\", \"LANG\"; // a comment\n".repeat(50_000);
    for (name, text) in [
        ("garbage.virt", garbage.as_str()),
        ("half.virt", half),
        ("huge.virt", huge.as_str()),
    ] {
        let uri = f.open(name, text).await;
        f.client.diagnostics(&uri, Some(1)).await;
        let lines = text.lines().count() as u32 + 2;
        for line in (0..lines).step_by((lines as usize / 20).max(1)) {
            for character in [0, 1, 3, 10, 1000] {
                for method in [
                    "textDocument/completion",
                    "textDocument/hover",
                    "textDocument/definition",
                ] {
                    let response = f.at(method, &uri, line, character).await;
                    assert!(
                        response.get("error").is_none(),
                        "{method} {line}:{character}: {response}"
                    );
                }
            }
        }
        for method in [
            "textDocument/documentSymbol",
            "textDocument/semanticTokens/full",
        ] {
            let response = f
                .client
                .request(method, json!({ "textDocument": { "uri": uri } }))
                .await;
            assert!(response.get("error").is_none(), "{method}: {response}");
        }
    }
}

#[tokio::test]
async fn files_changed_on_disk_are_read_again() {
    let mut f = Fixture::with_capabilities(json!({
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } }
    }))
    .await;
    let registered = f
        .client
        .wait_for("client/registerCapability", |_| true)
        .await;
    assert_eq!(
        registered["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let uri = f.open("policy.virt", "use \"./base.virt\";\n").await;
    let before = f.client.diagnostics(&uri, Some(1)).await;
    assert_eq!(before["diagnostics"][0]["code"], "V0010", "{before:#}");
    std::fs::write(Path::new(f.dir.path()).join("base.virt"), "allow clocks;\n").unwrap();
    let base = f.uri("base.virt");
    f.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": base, "type": 2 }] }),
        )
        .await;
    let after = f
        .client
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
        })
        .await;
    assert_eq!(after["version"], 1);
}
