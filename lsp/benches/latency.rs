//! How fast the server answers a 10,000-line policy: the time from a one-character edit to the
//! published diagnostics of the new version, and the latency of completion requests, each the
//! median and the worst of 100. Run with `cargo bench -p virtc-lsp`.

use std::time::{Duration, Instant};

use serde_json::json;
use virtc_lsp::Options;
use virtc_lsp::testing::TestClient;

const LINES: usize = 10_000;
const RUNS: usize = 100;

/// A long but ordinary policy: variables, globs, configuration, files, comments, blank lines.
fn policy(lines: usize) -> String {
    let mut out = String::from(
        "// A generated policy for the latency benchmark.\nuse std::cli;\ndeny clocks;\n\n",
    );
    let mut i = 0;
    let mut count = out.matches('\n').count();
    while count < lines {
        let piece = match i % 8 {
            0 => format!("env VAR_{i} = \"value {i}\";\n"),
            1 => format!("// about variable {i}\n"),
            2 => format!("env allow \"HOST_{i}_*\", \"OTHER_{i}\";\n"),
            3 => format!("config \"app.key{i}\" = \"v{i}\";\n"),
            4 => format!("env deny \"HOST_{i}_SECRET\";\n"),
            5 => format!("file \"/etc/app/f{i}\" = \"text {i}\";\n"),
            6 => "\n".to_string(),
            _ => format!(
                "mount \"/data/{i}\" from \"./data/{i}\" {{\n    include \"**/*.txt\";\n    exclude \"tmp/**\";\n}}\n"
            ),
        };
        count += piece.matches('\n').count();
        out.push_str(&piece);
        i += 1;
    }
    out
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.2} ms, worst {:.2} ms (best {:.2} ms)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        ms(times[0])
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // A policy of ordinary size first, for scale; then the 10,000 lines.
    runtime.block_on(measure(200, false));
    runtime.block_on(measure(LINES, true));
}

async fn measure(size: usize, everything: bool) {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        cache_dir: dir.path().join("cache"),
        host_env: (0..100).map(|i| format!("HOST_{i}")).collect(),
    };
    let (mut client, _) = TestClient::start(options, json!({})).await;
    let text = policy(size);
    let lines: Vec<&str> = text.lines().collect();
    let uri = format!("file://{}/big.virt", dir.path().display());

    let start = Instant::now();
    client
        .notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "virt", "version": 1, "text": text } }),
        )
        .await;
    let first = client.diagnostics(&uri, Some(1)).await;
    println!(
        "{} lines, {} bytes; open to diagnostics: {:.1} ms ({} diagnostics)",
        lines.len(),
        text.len(),
        start.elapsed().as_secs_f64() * 1000.0,
        first["diagnostics"].as_array().unwrap().len()
    );

    // One-character edits spread over the file: type a character, then delete it again, so
    // the policy stays the same size. In a comment (nothing but positions change) and in a
    // statement (a variable's value changes).
    let mut version = 1;
    let comments = places(&lines, |l| l.starts_with("// about").then_some(3));
    let edit_times = edits(&mut client, &uri, &mut version, &comments).await;
    println!(
        "edit in a comment to published diagnostics ({} edits): {}",
        edit_times.len(),
        summary(edit_times)
    );
    let values = places(&lines, |l| {
        l.starts_with("env VAR_").then(|| l.find('"').unwrap() + 1)
    });
    let edit_times = edits(&mut client, &uri, &mut version, &values).await;
    println!(
        "edit in a statement to published diagnostics ({} edits): {}",
        edit_times.len(),
        summary(edit_times)
    );

    if !everything {
        return;
    }
    let mut completion_times = Vec::new();
    let targets = [
        (
            lines
                .iter()
                .position(|l| l.starts_with("deny clocks"))
                .unwrap(),
            5,
            "subsystems",
        ),
        (
            lines
                .iter()
                .position(|l| l.starts_with("env allow"))
                .unwrap(),
            12,
            "host variables",
        ),
        (lines.len() - 1, 0, "statement keywords"),
    ];
    for run in 0..RUNS {
        let (line, character, _) = targets[run % targets.len()];
        let start = Instant::now();
        let response = client
            .request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
            )
            .await;
        completion_times.push(start.elapsed());
        assert!(
            response["result"]
                .as_array()
                .is_some_and(|items| !items.is_empty()),
            "{response}"
        );
    }
    println!(
        "completion ({RUNS} requests): {}",
        summary(completion_times)
    );

    let mut hover_times = Vec::new();
    for run in 0..RUNS {
        let line = (run * 7919) % lines.len();
        let start = Instant::now();
        client
            .request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 2 } }),
            )
            .await;
        hover_times.push(start.elapsed());
    }
    println!("hover ({RUNS} requests): {}", summary(hover_times));
}

/// (line, column) of the lines `at` picks, at the column it gives.
fn places(lines: &[&str], at: impl Fn(&str) -> Option<usize>) -> Vec<(usize, usize)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i, at(l)?)))
        .collect()
}

/// Types `x` at `RUNS` of `places` and deletes it again, timing each change until the
/// diagnostics of its version are published.
async fn edits(
    client: &mut TestClient,
    uri: &str,
    version: &mut i64,
    places: &[(usize, usize)],
) -> Vec<Duration> {
    let mut times = Vec::new();
    for run in 0..RUNS {
        let (line, column) = places[(run * 7919) % places.len()];
        for (text, end) in [("x", column), ("", column + 1)] {
            *version += 1;
            let start = Instant::now();
            client
                .notify(
                    "textDocument/didChange",
                    json!({
                        "textDocument": { "uri": uri, "version": *version },
                        "contentChanges": [{
                            "range": {
                                "start": { "line": line, "character": column },
                                "end": { "line": line, "character": end }
                            },
                            "text": text
                        }]
                    }),
                )
                .await;
            client.diagnostics(uri, Some(*version)).await;
            times.push(start.elapsed());
        }
    }
    times
}
