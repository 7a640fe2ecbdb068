//! `--message-format json|sarif`: the diagnostics of `check` and `compile` for programs rather
//! than people, on stdout.
//!
//! `json` is one object per line: a `"type": "diagnostic"` object per diagnostic, then one
//! `"type": "summary"` object with the counts (`compiler/cli/schema/diagnostic.schema.json`
//! describes both). `sarif` is one SARIF 2.1.0 log whose columns count UTF-16 code units (SARIF's
//! default `columnKind`, stated in the run). Lines and columns are 1-based everywhere; the JSON
//! form gives columns in UTF-8 bytes and in UTF-16 code units, and every place also as a byte
//! range.

use std::collections::BTreeMap;
use std::path::Path;

use clap::ValueEnum;
use serde::Serialize;
use virtc::db::{Database, Origin, SourceFile, line_starts};
use virtc::diagnostic::{Diagnostic, Severity};

/// How diagnostics are written.
#[derive(Copy, Clone, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum MessageFormat {
    /// Rendered for a person, on stderr.
    #[default]
    Human,
    /// One JSON object per diagnostic per line, then a summary object, on stdout.
    Json,
    /// One SARIF 2.1.0 log on stdout.
    Sarif,
}

/// The `$schema` of the SARIF logs virtc writes: OASIS's SARIF 2.1.0 schema.
const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id standing for the standard library in SARIF locations (`std/NAME.virt` under it).
const STD_BASE_ID: &str = "VIRTC_STD";

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// How many diagnostics of each severity there are.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of(diagnostics: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }
}

/// A place in a file: 1-based line, 1-based columns in UTF-8 bytes and in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: usize,
    column: usize,
    column_utf16: usize,
}

/// The position of byte `offset` of `file` (clamped into the text, onto a character boundary).
fn position(db: &Database, file: SourceFile, offset: usize) -> Position {
    let text = file.text(db).as_str();
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let starts = line_starts(db, file);
    // `starts[0]` is 0, so at least one start is at or before `offset`.
    let index = starts.partition_point(|&s| s <= offset).max(1) - 1;
    let start = starts[index];
    Position {
        line: index + 1,
        column: offset - start + 1,
        column_utf16: text[start..offset].encode_utf16().count() + 1,
    }
}

/// A byte range of a file, with the positions of both ends.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    /// The name shown in diagnostics: relative to the working directory when possible.
    file: String,
    start: usize,
    end: usize,
    from: Position,
    to: Position,
}

impl Place {
    fn new(db: &Database, file: SourceFile, range: std::ops::Range<usize>) -> Place {
        Place {
            file: file.display_name(db),
            start: range.start,
            end: range.end.max(range.start),
            from: position(db, file, range.start),
            to: position(db, file, range.end.max(range.start)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// json

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'a str,
    severity: &'static str,
    message: &'a str,
    labels: Vec<JsonLabel<'a>>,
    help: &'a [String],
    fixes: Vec<JsonFix<'a>>,
}

/// The place fields a label and a fix share.
#[derive(Serialize)]
struct JsonPlace {
    file: String,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    column_utf16: usize,
    end_line: usize,
    end_column: usize,
    end_column_utf16: usize,
}

impl From<Place> for JsonPlace {
    fn from(p: Place) -> JsonPlace {
        JsonPlace {
            file: p.file,
            start: p.start,
            end: p.end,
            line: p.from.line,
            column: p.from.column,
            column_utf16: p.from.column_utf16,
            end_line: p.to.line,
            end_column: p.to.column,
            end_column_utf16: p.to.column_utf16,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    place: JsonPlace,
    primary: bool,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    #[serde(flatten)]
    place: JsonPlace,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    counts: Counts,
}

/// The `json` format: one line per diagnostic, then the summary line.
pub fn json_lines(db: &Database, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let line = JsonDiagnostic {
            kind: "diagnostic",
            code: d.code,
            severity: severity_word(d.severity),
            message: &d.message,
            labels: d
                .labels
                .iter()
                .map(|l| JsonLabel {
                    place: Place::new(db, l.file, l.span.range()).into(),
                    primary: l.primary,
                    message: &l.message,
                })
                .collect(),
            help: &d.help,
            fixes: d
                .fixes
                .iter()
                .map(|f| JsonFix {
                    title: &f.title,
                    place: Place::new(db, f.file, f.span.range()).into(),
                    replacement: &f.replacement,
                })
                .collect(),
        };
        push_json_line(&mut out, &line);
    }
    let summary = JsonSummary {
        kind: "summary",
        counts: Counts::of(diagnostics),
    };
    push_json_line(&mut out, &summary);
    out
}

fn push_json_line(out: &mut String, value: &impl Serialize) {
    // Serializing these structs cannot fail: every key is a string and no map is involved.
    out.push_str(&serde_json::to_string(value).expect("a diagnostic serializes to JSON"));
    out.push('\n');
}

// ---------------------------------------------------------------------------------------------
// sarif: the parts of a SARIF 2.1.0 log virtc fills, in the order the specification lists them.

#[derive(Serialize)]
struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun {
    tool: SarifTool,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct SarifTool {
    driver: SarifDriver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifDriver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: String,
    short_description: SarifText,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<SarifText>,
    default_configuration: SarifConfiguration,
}

#[derive(Serialize)]
struct SarifConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct SarifText {
    text: String,
}

impl SarifText {
    fn new(text: impl Into<String>) -> SarifText {
        SarifText { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: SarifText,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: SarifPhysicalLocation,
    message: SarifText,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysicalLocation {
    artifact_location: SarifArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// 1-based lines, 1-based UTF-16 columns (the end column is the one after the last character),
/// and the byte range.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

impl From<&Place> for SarifRegion {
    fn from(place: &Place) -> SarifRegion {
        SarifRegion {
            start_line: place.from.line,
            start_column: place.from.column_utf16,
            end_line: place.to.line,
            end_column: place.to.column_utf16,
            byte_offset: place.start,
            byte_length: place.end - place.start,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: SarifText,
    artifact_changes: [SarifArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifArtifactChange {
    artifact_location: SarifArtifactLocation,
    replacements: [SarifReplacement; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifReplacement {
    deleted_region: SarifRegion,
    inserted_content: SarifText,
}

/// The `sarif` format: one SARIF 2.1.0 log with one run.
pub fn sarif_log(db: &Database, diagnostics: &[Diagnostic]) -> String {
    // One rule per code that occurs, in code order; results point at theirs by index.
    let mut codes: BTreeMap<&str, Severity> = BTreeMap::new();
    for d in diagnostics {
        codes.entry(d.code).or_insert(d.severity);
    }
    let rule_index: BTreeMap<&str, usize> =
        codes.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules = codes
        .iter()
        .map(|(code, severity)| {
            let meaning = virtc::codes::explain(code).unwrap_or("").trim();
            SarifRule {
                id: code.to_string(),
                short_description: SarifText::new(short_description(meaning, code)),
                full_description: meaning.lines().nth(1).map(|_| SarifText::new(meaning)),
                default_configuration: SarifConfiguration {
                    level: severity_word(*severity),
                },
            }
        })
        .collect();

    let location = |l: &virtc::diagnostic::Label, id: Option<usize>| SarifLocation {
        id,
        physical_location: SarifPhysicalLocation {
            artifact_location: artifact_location(db, l.file),
            region: (&Place::new(db, l.file, l.span.range())).into(),
        },
        message: SarifText::new(&l.message),
    };
    let results = diagnostics
        .iter()
        .map(|d| {
            // SARIF has no place for help lines but the message.
            let mut text = d.message.clone();
            for help in &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            SarifResult {
                rule_id: d.code.to_string(),
                rule_index: rule_index[d.code],
                level: severity_word(d.severity),
                message: SarifText::new(text),
                locations: d
                    .labels
                    .iter()
                    .filter(|l| l.primary)
                    .map(|l| location(l, None))
                    .collect(),
                related_locations: d
                    .labels
                    .iter()
                    .filter(|l| !l.primary)
                    .enumerate()
                    .map(|(id, l)| location(l, Some(id)))
                    .collect(),
                fixes: d
                    .fixes
                    .iter()
                    .map(|f| SarifFix {
                        description: SarifText::new(&f.title),
                        artifact_changes: [SarifArtifactChange {
                            artifact_location: artifact_location(db, f.file),
                            replacements: [SarifReplacement {
                                deleted_region: (&Place::new(db, f.file, f.span.range())).into(),
                                inserted_content: SarifText::new(&f.replacement),
                            }],
                        }],
                    })
                    .collect(),
            }
        })
        .collect();

    let log = SarifLog {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "virtc",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            results,
            column_kind: "utf16CodeUnits",
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log serializes to JSON");
    text.push('\n');
    text
}

/// Where to read about virtc: the package's repository (or home page) from its metadata.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

/// The first line of a code's meaning, without the severity word some begin with.
fn short_description(meaning: &str, code: &str) -> String {
    let first = meaning.trim().lines().next().unwrap_or("").trim();
    let first = first
        .strip_prefix("warning: ")
        .or_else(|| first.strip_prefix("note: "))
        .unwrap_or(first);
    if first.is_empty() {
        code.to_string()
    } else {
        first.to_string()
    }
}

/// A SARIF artifact location: the file as diagnostics name it, as a URI reference (relative to
/// the working directory when the file is under it, a `file:` URI otherwise); profiles of the
/// standard library are `std/NAME.virt` relative to the base id `VIRTC_STD`.
fn artifact_location(db: &Database, file: SourceFile) -> SarifArtifactLocation {
    if file.origin(db) == Origin::Stdlib {
        let path = file.path(db).to_string_lossy().replace('\\', "/");
        return SarifArtifactLocation {
            uri: encode_uri_path(&path),
            uri_base_id: Some(STD_BASE_ID),
        };
    }
    let name = file.display_name(db);
    SarifArtifactLocation {
        uri: file_uri(Path::new(&name)),
        uri_base_id: None,
    }
}

/// A path as a URI reference: percent-encoded, `/`-separated; absolute paths as `file:` URIs.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    #[cfg(windows)]
    let text = text.replace('\\', "/");
    if path.is_absolute() {
        let text = text.strip_prefix('/').unwrap_or(&text);
        format!("file:///{}", encode_uri_path(text))
    } else {
        encode_uri_path(&text)
    }
}

/// Percent-encodes everything but unreserved characters, sub-delimiters, `@` and `/` (`:` too is
/// encoded, so that a relative path never reads as a scheme).
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            file_uri(Path::new("policies/app.virt")),
            "policies/app.virt"
        );
        assert_eq!(file_uri(Path::new("my app/ü.virt")), "my%20app/%C3%BC.virt");
        assert_eq!(file_uri(Path::new("a:b.virt")), "a%3Ab.virt");
        #[cfg(unix)]
        assert_eq!(
            file_uri(Path::new("/tmp/p q.virt")),
            "file:///tmp/p%20q.virt"
        );
    }

    #[test]
    fn short_descriptions_drop_the_severity_word() {
        assert_eq!(
            short_description("warning: a duplicate statement", "V0022"),
            "a duplicate statement"
        );
        assert_eq!(
            short_description("a `use` cycle\n\nmore", "V0015"),
            "a `use` cycle"
        );
        assert_eq!(short_description("", "V9999"), "V9999");
    }
}
