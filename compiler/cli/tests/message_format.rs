//! `--message-format json|sarif` of `virtc check` and `virtc compile`, from the real binary: the
//! JSON lines follow `schema/diagnostic.schema.json` and the SARIF log OASIS's SARIF 2.1.0 schema
//! (`schema/sarif-schema-2.1.0.json`), both checked with a JSON Schema validator; every place is
//! checked against the source text it points into; nothing but that output is printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::common::Run;

/// Three errors, a warning and a note (`deny random;` overrides `std::cli`), with a crab and an
/// accented letter before the warning's labels on their line, so that its columns in bytes (33),
/// UTF-16 code units (30) and characters (29) all differ.
const POLICY: &str = "use std::cli;\n\
allow randon;\n\
stdout ignor;\n\
env X = \"a\";\n\
env X = \"b\";\n\
deny random;\n\
env Y = \"🦀é\"; allow clocks; allow clocks;\n";

/// [`POLICY`] without the parts that point into the standard library, whose offsets change with
/// its text: the snapshot.
const SNAPSHOT_POLICY: &str = "allow randon;\n\
stdout ignor;\n\
env X = \"a\";\n\
env X = \"b\";\n\
env Y = \"🦀é\"; allow clocks; allow clocks;\n";

/// Only a warning: `compile` succeeds.
const WARNING_ONLY: &str = "allow random;\nallow random;\n";

/// A temporary working directory holding `policy.virt`.
struct Dir {
    _temp: tempfile::TempDir,
    path: PathBuf,
}

impl Dir {
    fn with_policy(text: &str) -> Dir {
        let temp = tempfile::tempdir().unwrap();
        // The canonical path, so that virtc names files relative to it.
        let path = temp.path().canonicalize().unwrap();
        std::fs::write(path.join("policy.virt"), text).unwrap();
        Dir { _temp: temp, path }
    }

    fn virtc(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_virtc"))
            .args(args)
            .current_dir(&self.path)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        Run::from(output)
    }
}

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

fn validator(file: &str) -> Validator {
    let mut text = std::fs::read_to_string(schema_dir().join(file)).unwrap();
    if file.starts_with("sarif") {
        // The SARIF 2.1.0 schema's pattern for `language` (twice; virtc writes none) has a stray
        // `]`, which ECMA-262 regexes with the `u` flag (and so the validator) reject: escape it.
        let typo = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
        assert_eq!(
            text.matches(typo).count(),
            2,
            "the known typo of the SARIF schema"
        );
        text = text.replace(typo, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    }
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file} is not a usable schema: {e}"))
}

fn assert_valid(validator: &Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow its schema:\n{}\n{instance:#}",
        errors.join("\n")
    );
}

/// The JSON lines of `stdout`, each checked against `diagnostic.schema.json`; the last one must be
/// the summary and no other.
fn json_lines(stdout: &str) -> (Vec<Value>, Value) {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| validator("diagnostic.schema.json"));
    assert!(stdout.ends_with('\n'), "output ends with a newline");
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(value.is_object(), "each line is an object: {line}");
            assert_valid(schema, &value, "a JSON line");
            value
        })
        .collect();
    let summary = lines.pop().expect("at least the summary line");
    assert_eq!(summary["type"], "summary", "the last line is the summary");
    assert!(
        lines.iter().all(|l| l["type"] == "diagnostic"),
        "every other line is a diagnostic"
    );
    (lines, summary)
}

/// The SARIF log of `stdout`, checked against the SARIF 2.1.0 schema.
fn sarif_log(stdout: &str) -> Value {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| validator("sarif-schema-2.1.0.json"));
    let log: Value = serde_json::from_str(stdout).expect("the SARIF log is one JSON document");
    assert_valid(schema, &log, "the SARIF log");
    log
}

/// 1-based line, 1-based column in bytes and in UTF-16 code units of byte `offset` of `text`,
/// counted here independently of virtc.
fn position(text: &str, offset: usize) -> (u64, u64, u64) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = offset - line_start + 1;
    let column_utf16 = before[line_start..].encode_utf16().count() + 1;
    (line as u64, column as u64, column_utf16 as u64)
}

/// The text of a file a diagnostic names: the policy, or a profile of the standard library.
fn source_of(file: &str) -> String {
    match file {
        "policy.virt" => POLICY.to_string(),
        "<std/cli.virt>" => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib/cli.virt");
            std::fs::read_to_string(path).unwrap()
        }
        other => panic!("a diagnostic names an unexpected file `{other}`"),
    }
}

fn n(value: &Value) -> usize {
    value.as_u64().expect("a number") as usize
}

/// Checks a label's or fix's byte range and positions against its file's text; returns the text
/// it covers.
fn check_place(place: &Value) -> String {
    check_place_in(&source_of(place["file"].as_str().unwrap()), place)
}

/// [`check_place`] against `text`.
fn check_place_in(text: &str, place: &Value) -> String {
    let (start, end) = (n(&place["start"]), n(&place["end"]));
    assert!(
        start <= end && end <= text.len(),
        "range in the file: {place}"
    );
    let (line, column, column_utf16) = position(text, start);
    assert_eq!(place["line"], line, "{place}");
    assert_eq!(place["column"], column, "{place}");
    assert_eq!(place["column_utf16"], column_utf16, "{place}");
    let (line, column, column_utf16) = position(text, end);
    assert_eq!(place["end_line"], line, "{place}");
    assert_eq!(place["end_column"], column, "{place}");
    assert_eq!(place["end_column_utf16"], column_utf16, "{place}");
    text[start..end].to_string()
}

fn find<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} among {diagnostics:#?}"))
}

fn primary(diagnostic: &Value) -> &Value {
    diagnostic["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["primary"] == true)
        .expect("a primary label")
}

#[test]
fn check_json_gives_every_diagnostic_with_its_places() {
    let dir = Dir::with_policy(POLICY);
    let run = dir
        .virtc(&["check", "policy.virt", "--message-format", "json"])
        .expect(1)
        .quiet();
    let (diagnostics, summary) = json_lines(&run.stdout);

    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["V0010", "V0011", "V0021", "V0030", "V0022"]);
    assert_eq!(
        summary,
        serde_json::json!({"type": "summary", "errors": 3, "warnings": 1, "notes": 1})
    );
    for d in &diagnostics {
        let severity = d["severity"].as_str().unwrap();
        let expected = match d["code"].as_str().unwrap() {
            "V0022" => "warning",
            "V0030" => "note",
            _ => "error",
        };
        assert_eq!(severity, expected, "{d}");
        for label in d["labels"].as_array().unwrap() {
            check_place(label);
        }
        for fix in d["fixes"].as_array().unwrap() {
            check_place(fix);
        }
    }

    // What the labels cover.
    let randon = find(&diagnostics, "V0010");
    assert_eq!(check_place(primary(randon)), "randon");
    assert_eq!(primary(randon)["line"], 2);
    assert_eq!(primary(randon)["column"], 7);
    assert!(
        randon["help"]
            .as_array()
            .unwrap()
            .contains(&"did you mean `random`?".into()),
        "{randon}"
    );
    let twice = find(&diagnostics, "V0021");
    let labels = twice["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(check_place(primary(twice)), "env X = \"b\";");
    let other = labels.iter().find(|l| l["primary"] == false).unwrap();
    assert_eq!(check_place(other), "env X = \"a\";");

    // After the crab and the accented letter: bytes, UTF-16 code units (and not characters).
    let duplicate = find(&diagnostics, "V0022");
    let label = primary(duplicate);
    assert_eq!(check_place(label), "allow clocks;");
    assert_eq!(
        (&label["line"], &label["column"], &label["column_utf16"]),
        (&7.into(), &33.into(), &30.into())
    );
    assert_eq!(
        (&label["end_column"], &label["end_column_utf16"]),
        (&46.into(), &43.into())
    );

    // A label in a profile of the standard library.
    let note = find(&diagnostics, "V0030");
    let overridden = note["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["file"] == "<std/cli.virt>")
        .expect("a label in std::cli");
    assert_eq!(check_place(overridden), "allow random;");

    // The fixes, applied from the end, give the corrected statements.
    let mut fixes: Vec<&Value> = diagnostics
        .iter()
        .flat_map(|d| d["fixes"].as_array().unwrap())
        .filter(|f| f["file"] == "policy.virt")
        .collect();
    assert!(fixes.len() >= 2, "the misspellings have fixes");
    fixes.sort_by_key(|f| std::cmp::Reverse(n(&f["start"])));
    let mut fixed = POLICY.to_string();
    for fix in fixes {
        fixed.replace_range(
            n(&fix["start"])..n(&fix["end"]),
            fix["replacement"].as_str().unwrap(),
        );
    }
    assert!(
        fixed.contains("\nallow random;\nstdout ignore;\n"),
        "{fixed}"
    );
}

#[test]
fn check_json_output_snapshot() {
    let dir = Dir::with_policy(SNAPSHOT_POLICY);
    let run = dir
        .virtc(&["check", "policy.virt", "--message-format", "json"])
        .expect(1)
        .quiet();
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn input_errors_are_diagnostics_without_labels() {
    let dir = Dir::with_policy(WARNING_ONLY);

    // No policy file.
    let run = dir
        .virtc(&["check", "missing.virt", "--message-format", "json"])
        .expect(1)
        .quiet();
    let (diagnostics, summary) = json_lines(&run.stdout);
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "V0070");
    assert_eq!(d["severity"], "error");
    assert!(
        d["message"].as_str().unwrap().contains("missing.virt"),
        "{d}"
    );
    assert_eq!(d["labels"], serde_json::json!([]));
    assert_eq!(d["fixes"], serde_json::json!([]));
    assert_eq!(
        summary,
        serde_json::json!({"type": "summary", "errors": 1, "warnings": 0, "notes": 0})
    );

    // A component that is not one: the policy's warning comes first.
    std::fs::write(dir.path.join("junk.wasm"), b"not wasm").unwrap();
    let run = dir
        .virtc(&[
            "check",
            "policy.virt",
            "--component",
            "junk.wasm",
            "--message-format",
            "json",
        ])
        .expect(1)
        .quiet();
    let (diagnostics, summary) = json_lines(&run.stdout);
    let last = diagnostics.last().unwrap();
    assert_eq!(last["code"], "V0072", "{diagnostics:#?}");
    assert_eq!(last["labels"], serde_json::json!([]));
    assert_eq!(summary["errors"], 1);

    // In SARIF: a result without locations.
    let run = dir
        .virtc(&["check", "missing.virt", "--message-format", "sarif"])
        .expect(1)
        .quiet();
    let log = sarif_log(&run.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "V0070");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[0]["locations"], serde_json::json!([]));
}

#[test]
fn check_sarif_is_one_sarif_2_1_0_log() {
    let dir = Dir::with_policy(POLICY);
    let run = dir
        .virtc(&["check", "policy.virt", "--message-format", "sarif"])
        .expect(1)
        .quiet();
    let log = sarif_log(&run.stdout);
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0")
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "virtc");

    // One rule per code that occurs, described as `virtc explain` does.
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["V0010", "V0011", "V0021", "V0022", "V0030"]);
    let duplicate = &rules[3];
    assert_eq!(
        duplicate["shortDescription"]["text"],
        "a duplicate statement"
    );
    assert_eq!(duplicate["defaultConfiguration"]["level"], "warning");
    assert!(
        rules
            .iter()
            .all(|r| !r["shortDescription"]["text"].as_str().unwrap().is_empty())
    );

    let results = run["results"].as_array().unwrap();
    let levels: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        levels,
        [
            ("V0010", "error"),
            ("V0011", "error"),
            ("V0021", "error"),
            ("V0030", "note"),
            ("V0022", "warning"),
        ]
    );
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
    }

    // Regions: 1-based lines, UTF-16 columns, the end column after the last character.
    let duplicate = results.iter().find(|r| r["ruleId"] == "V0022").unwrap();
    let location = &duplicate["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "policy.virt");
    let region = &location["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (&7.into(), &30.into(), &7.into(), &43.into())
    );
    let (offset, length) = (n(&region["byteOffset"]), n(&region["byteLength"]));
    assert_eq!(&POLICY[offset..offset + length], "allow clocks;");
    // The secondary label is a related location.
    let related = &duplicate["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(related["startColumn"], 16);

    // The note's label in std::cli names the profile under its own base.
    let note = results.iter().find(|r| r["ruleId"] == "V0030").unwrap();
    let profile = &note["relatedLocations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(profile["uri"], "std/cli.virt");
    assert_eq!(profile["uriBaseId"], "VIRTC_STD");

    // A fix as a replacement.
    let randon = results.iter().find(|r| r["ruleId"] == "V0010").unwrap();
    let replacement = &randon["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "random");
    assert_eq!(replacement["deletedRegion"]["startLine"], 2);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 7);
}

#[test]
fn compile_writes_the_same_formats() {
    // Errors: exit 1, nothing written, the same diagnostics as `check`.
    let dir = Dir::with_policy(POLICY);
    let check = dir
        .virtc(&["check", "policy.virt", "--message-format", "json"])
        .expect(1)
        .quiet();
    let compile = dir
        .virtc(&[
            "compile",
            "policy.virt",
            "-o",
            "out.wasm",
            "--message-format",
            "json",
        ])
        .expect(1)
        .quiet();
    assert_eq!(compile.stdout, check.stdout);
    assert!(!dir.path.join("out.wasm").exists());

    // Only a warning: exit 0, the output written, the warning and the summary on stdout.
    let dir = Dir::with_policy(WARNING_ONLY);
    let run = dir
        .virtc(&[
            "compile",
            "policy.virt",
            "-o",
            "out.wasm",
            "--message-format",
            "json",
        ])
        .expect(0)
        .quiet();
    let (diagnostics, summary) = json_lines(&run.stdout);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["code"], "V0022");
    assert_eq!(diagnostics[0]["severity"], "warning");
    assert_eq!(
        check_place_in(WARNING_ONLY, primary(&diagnostics[0])),
        "allow random;"
    );
    assert_eq!(
        summary,
        serde_json::json!({"type": "summary", "errors": 0, "warnings": 1, "notes": 0})
    );
    assert!(dir.path.join("out.wasm").exists());

    let run = dir
        .virtc(&[
            "compile",
            "policy.virt",
            "-o",
            "out2.wasm",
            "--message-format",
            "sarif",
        ])
        .expect(0)
        .quiet();
    let log = sarif_log(&run.stdout);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "V0022");
    assert_eq!(log["runs"][0]["results"][0]["level"], "warning");
    assert!(dir.path.join("out2.wasm").exists());
}

#[test]
fn compile_report_refuses_the_machine_formats() {
    let dir = Dir::with_policy(WARNING_ONLY);
    for format in ["json", "sarif"] {
        let run = dir
            .virtc(&[
                "compile",
                "policy.virt",
                "-o",
                "out.wasm",
                "--report",
                "--message-format",
                format,
            ])
            .expect(2);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("--report"), "{}", run.stderr);
        assert!(!dir.path.join("out.wasm").exists());
    }
}

#[test]
fn human_is_the_default_and_unchanged() {
    let dir = Dir::with_policy(POLICY);
    let default = dir
        .virtc(&["check", "policy.virt", "--color", "never"])
        .expect(1);
    let human = dir
        .virtc(&[
            "check",
            "policy.virt",
            "--color",
            "never",
            "--message-format",
            "human",
        ])
        .expect(1);
    assert_eq!(default.stdout, "");
    assert!(
        default
            .stderr
            .contains("error[V0010]: unknown subsystem `randon`")
    );
    assert!(
        default
            .stderr
            .ends_with("error: the policy has 3 errors and 1 warning\n")
    );
    assert_eq!(human.stdout, default.stdout);
    assert_eq!(human.stderr, default.stderr);
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let dir = Dir::with_policy(WARNING_ONLY);
    let run = dir
        .virtc(&["check", "policy.virt", "--message-format", "xml"])
        .expect(2);
    assert_eq!(run.stdout, "");
}

/// The validation is not vacuous: output with a wrong field fails it.
#[test]
fn the_schemas_reject_wrong_output() {
    let dir = Dir::with_policy(POLICY);
    let json = dir
        .virtc(&["check", "policy.virt", "--message-format", "json"])
        .expect(1)
        .quiet();
    let (diagnostics, _) = json_lines(&json.stdout);
    let schema = validator("diagnostic.schema.json");
    let mut wrong = diagnostics[0].clone();
    wrong["labels"][0]["column"] = 0.into();
    assert!(!schema.is_valid(&wrong));
    let mut wrong = diagnostics[0].clone();
    wrong["labels"][0]["columns"] = 1.into();
    assert!(!schema.is_valid(&wrong));
    let mut wrong = diagnostics[0].clone();
    wrong["severity"] = "fatal".into();
    assert!(!schema.is_valid(&wrong));

    let sarif = dir
        .virtc(&["check", "policy.virt", "--message-format", "sarif"])
        .expect(1)
        .quiet();
    let log = sarif_log(&sarif.stdout);
    let schema = validator("sarif-schema-2.1.0.json");
    let mut wrong = log.clone();
    wrong["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema.is_valid(&wrong));
    let mut wrong = log.clone();
    wrong["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema.is_valid(&wrong));
    let mut wrong = log;
    wrong["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
    assert!(!schema.is_valid(&wrong), "formats are checked");
}
