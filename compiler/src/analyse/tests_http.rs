//! Snapshot tests of outgoing-HTTP rules and `wasi:config` statements: every diagnostic of a URL
//! rule labelled inside its string, the conflicts, and what they lower to.

use std::path::Path;

use virtc_policy::{Access, HttpAccess, HttpPolicy};

use super::tests::check;
use crate::analyse::policy::check_policy;
use crate::db::Database;
use crate::ir::{PolicyIr, Treatment};

/// Every problem a URL rule can have, labelled on the characters at fault inside its string
/// (escapes included), with the warnings about methods.
#[test]
fn http_rules_are_checked_where_written() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        concat!(
            "http allow \"https://api.example.com/v1/**\", \"GET,HEAD https://status.example.com/**\";\n",
            "http allow \"GET;POST https://a.example\", \" https://b.example\", \"GET,,PUT https://c.example\";\n",
            "http allow \"ftp://files.example\", \"api.example.com/v1\", \"https:/x.example\";\n",
            "http allow \"https://10.0.0.0/8\", \"https://0x7f.1/\", \"https://a..b\", \"https://::1:80\";\n",
            "http allow \"https://h:70000\", \"https://h:90-80/\", \"https://h:0\", \"https://h:http\";\n",
            "http deny \"https://h/a\\u{20}b\", \"https://h/a%zz\", \"https://h/a**/b\", \"https://h/../x\";\n",
            "http deny \"https://h/search?q=1\", \"https://h/#top\";\n",
            "http allow \"\\u{67}et https://x.example/\", \"Delete,PURGE https://x.example/\", \"* https://x.example\";\n",
        )
    )]));
}

/// `allow http;` or `deny http;` with URL rules in one file is a conflict; a profile's `deny
/// http;` is refined by rules without complaint, and `allow all;` too.
#[test]
fn http_with_rules_conflict() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "deny http;\nhttp allow \"https://api.example.com\";\n"
    )]));
    insta::assert_snapshot!(
        "http_allowed_with_rules_over_a_profile",
        check(&[
            (
                "policy.virt",
                "use \"./base.virt\";\nallow http;\nhttp allow \"https://api.example.com/v1/**\";\n"
            ),
            ("base.virt", "deny http;\n"),
        ])
    );
    insta::assert_snapshot!(
        "http_refined_without_complaint",
        check(&[
            (
                "policy.virt",
                "use \"./base.virt\";\nallow all;\nhttp allow \"https://api.example.com\";\n"
            ),
            ("base.virt", "deny http;\n"),
        ])
    );
}

/// Deny rules with no allow rule deny every request: a warning on the first one.
#[test]
fn http_deny_without_allow() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "allow all;\nhttp deny \"https://tracker.example/**\";\nhttp deny \"*://ads.example\";\n"
    )]));
}

/// `allow config;` with virtual values or globs: they could not apply.
#[test]
fn allow_config_with_values() {
    insta::assert_snapshot!(check(&[
        (
            "policy.virt",
            "use \"./base.virt\";\nconfig \"log-level\" = \"debug\";\nconfig allow \"APP_*\";\n"
        ),
        ("base.virt", "allow config;\n"),
    ]));
}

fn lowered(files: &[(&str, &str)]) -> PolicyIr {
    let mut db = Database::default();
    let mut root = None;
    for (name, text) in files {
        let file = db.set_file(&Path::new("/virt").join(name), text.to_string());
        root.get_or_insert(file);
    }
    check_policy(&db, root.unwrap()).ir.clone()
}

fn http(files: &[(&str, &str)]) -> HttpPolicy {
    lowered(files).runtime.http
}

/// Outgoing HTTP as the adapter gets it: rules (with access `Rules`) whatever a used file or
/// `allow all;` said before them, each rule once; a later explicit `allow http;` replaces a
/// used file's rules.
#[test]
fn http_lowering() {
    assert_eq!(http(&[("p.virt", "")]).access, HttpAccess::Deny);
    assert_eq!(http(&[("p.virt", "allow http;")]).access, HttpAccess::Host);
    assert_eq!(http(&[("p.virt", "allow all;")]).access, HttpAccess::Host);
    let rules = http(&[
        (
            "p.virt",
            "use \"./b.virt\";\nallow all;\nhttp allow \"https://a.example\", \"HTTPS://A.example.\";\n\
             http deny \"https://a.example/admin/**\", \"ftp://bad\";\nhttp allow \"http://b.example:8080\";\n",
        ),
        ("b.virt", "http allow \"https://a.example\";\n"),
    ]);
    assert_eq!(rules.access, HttpAccess::Rules);
    let shown = |list: &[virtc_policy::http::UrlRule]| {
        list.iter().map(|r| r.to_string()).collect::<Vec<_>>()
    };
    // The same rule written three ways is one rule; the invalid one is left out.
    assert_eq!(
        shown(&rules.rules.allow),
        ["https://a.example", "http://b.example:8080"]
    );
    assert_eq!(shown(&rules.rules.deny), ["https://a.example/admin/**"]);
    let replaced = http(&[
        ("p.virt", "use \"./b.virt\";\nallow http;\n"),
        ("b.virt", "http allow \"https://a.example\";\n"),
    ]);
    assert_eq!(replaced.access, HttpAccess::Host);
    assert!(replaced.rules.allow.is_empty());
    let refined = http(&[
        (
            "p.virt",
            "use \"./b.virt\";\nhttp allow \"https://a.example\";\n",
        ),
        ("b.virt", "allow http;\n"),
    ]);
    assert_eq!(refined.access, HttpAccess::Rules);
    let deny_only = http(&[("p.virt", "http deny \"https://a.example\";\n")]);
    assert_eq!(deny_only.access, HttpAccess::Rules);
    assert!(deny_only.rules.allow.is_empty());
}

/// `wasi:config/store` as the adapter gets it: values sorted by key in byte order, each key
/// once (a later file's value replacing a used one's), the globs, and `allow config;` as the
/// host's store.
#[test]
fn config_lowering() {
    let ir = lowered(&[
        (
            "p.virt",
            "use \"./b.virt\";\nconfig \"b\" = \"2\";\nconfig \"a\" = \"1\";\nconfig \"B\" = \"3\";\n\
             config \"shared\" = \"root\";\nconfig allow \"APP_{X,Y}\";\nconfig deny \"APP_Y\";\n",
        ),
        (
            "b.virt",
            "config \"shared\" = \"base\";\nconfig \"z\" = \"0\";\n",
        ),
    ]);
    let config = &ir.runtime.config;
    assert_eq!(config.access, Access::Deny);
    let values: Vec<(&str, &str)> = config
        .values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        values,
        [
            ("B", "3"),
            ("a", "1"),
            ("b", "2"),
            ("shared", "root"),
            ("z", "0")
        ]
    );
    assert_eq!(config.allow, ["APP_X", "APP_Y"]);
    assert_eq!(config.deny, ["APP_Y"]);
    assert_eq!(config.value("shared"), Some("root"));
    let host = lowered(&[("p.virt", "allow config;\n")]);
    assert_eq!(host.runtime.config.access, Access::Host);
    assert!(host.runtime.config.values.is_empty());
}

/// How HTTP and config interfaces are treated under each access.
#[test]
fn http_and_config_treatment() {
    let treat = |text: &str| {
        let ir = lowered(&[("p.virt", text)]);
        [
            ir.treatment("http", "outgoing-handler"),
            ir.treatment("http", "types"),
            ir.treatment("config", "store"),
        ]
    };
    use Treatment::*;
    assert_eq!(treat(""), [Virtualize, Virtualize, Virtualize]);
    assert_eq!(
        treat("allow http;\nallow config;\n"),
        [PassThrough, PassThrough, PassThrough]
    );
    assert_eq!(
        treat("http allow \"https://a.example\";\nconfig \"k\" = \"v\";\n"),
        [Virtualize, Virtualize, Virtualize]
    );
}
