//! `wasi:config/store` under a policy (issue 10), end to end in wasmtime with the config-reader
//! guest: virtual values, host keys passed through by glob (minus denied ones), everything else
//! hidden; `get-all` sorted and unique; the default gives an empty store and no `wasi:config`
//! import; `allow config;` is the host's store untouched; a component at the older
//! `@0.2.0-draft` is served at its own version.

use virtc_run::Status;
use virtc_tests::*;

const HOST: &[(&str, &str)] = &[
    ("APP_NAME", "host-app"),
    ("APP_SECRET", "s3cret"),
    ("log-level", "host-level"),
    ("OTHER", "other"),
];

const KEYS: &str = "log-level,APP_NAME,APP_SECRET,OTHER,missing";

fn read(policy: &str, component: &[u8]) -> (Vec<String>, String) {
    let compiled = compile_ok(
        &format!("stdout allow; stderr allow; env KEYS = \"{KEYS}\";\n{policy}"),
        component,
    );
    let imports = imports(compiled.composed.as_ref().unwrap());
    let outcome = run_with_config(&compiled, &[], &[], HOST, "");
    assert_eq!(
        outcome.status,
        Status::Exited(0),
        "{}",
        text(&outcome.stderr)
    );
    (imports, text(&outcome.stdout))
}

fn config_imports(imports: &[String]) -> Vec<&String> {
    imports
        .iter()
        .filter(|i| i.starts_with("wasi:config/"))
        .collect()
}

#[test]
fn virtual_values_and_allowed_host_keys() {
    let (imports, out) = read(
        "config \"log-level\" = \"debug\"; config \"a\" = \"1\";\n\
         config allow \"APP_*\", \"log-*\"; config deny \"APP_SECRET\";",
        &guest("config-reader"),
    );
    assert_eq!(
        out,
        "get log-level = \"debug\"\nget APP_NAME = \"host-app\"\nget APP_SECRET: none\n\
         get OTHER: none\nget missing: none\n\
         all: APP_NAME=\"host-app\", a=\"1\", log-level=\"debug\"\n"
    );
    assert_eq!(config_imports(&imports).len(), 1, "{imports:?}");
}

#[test]
fn virtual_values_only_import_no_store() {
    let (imports, out) = read("config \"log-level\" = \"debug\";", &guest("config-reader"));
    assert_eq!(
        out,
        "get log-level = \"debug\"\nget APP_NAME: none\nget APP_SECRET: none\n\
         get OTHER: none\nget missing: none\nall: log-level=\"debug\"\n"
    );
    assert!(config_imports(&imports).is_empty(), "{imports:?}");
}

#[test]
fn default_is_an_empty_store_and_allow_is_the_hosts() {
    let (imports, out) = read("", &guest("config-reader"));
    assert_eq!(
        out,
        "get log-level: none\nget APP_NAME: none\nget APP_SECRET: none\n\
         get OTHER: none\nget missing: none\nall: \n"
    );
    assert!(config_imports(&imports).is_empty(), "{imports:?}");

    let (imports, out) = read("allow config;", &guest("config-reader"));
    assert!(out.contains("get APP_SECRET = \"s3cret\""), "{out}");
    assert!(out.contains("get OTHER = \"other\""), "{out}");
    assert_eq!(
        config_imports(&imports),
        vec!["wasi:config/store@0.2.0-rc.1"]
    );
}

/// Spin and wasmCloud components import `@0.2.0-draft`: served at that version, and the
/// output imports nothing of `wasi:config` under virtual values.
#[test]
fn a_draft_component_is_served_at_its_version() {
    let draft = retarget_imports(&guest("config-reader"), "0.2.0-rc.1", "0.2.0-draft");
    assert!(imports(&draft).contains(&"wasi:config/store@0.2.0-draft".to_string()));
    let (imports, out) = read("config \"log-level\" = \"debug\";", &draft);
    assert!(out.starts_with("get log-level = \"debug\"\n"), "{out}");
    assert!(config_imports(&imports).is_empty(), "{imports:?}");
    // Passing host keys through, the output imports the host's store at the draft version
    // (what Spin and wasmCloud host; `virtc run` links only rc.1, so it is not run here).
    let compiled = compile_ok("stdout allow; config allow \"APP_*\";", &draft);
    let imports = virtc_tests::imports(compiled.composed.as_ref().unwrap());
    assert_eq!(
        config_imports(&imports),
        vec!["wasi:config/store@0.2.0-draft"]
    );
}

/// A served component (the config-server guest) reads virtual config and environment through
/// the adapter, and its outgoing requests follow the URL rules: one allowed path reaches a
/// loopback origin, another is refused inside the component.
#[test]
fn a_served_component_reads_virtual_config_and_fetches_by_the_rules() {
    use virtc_tests::origin::Origin;
    use virtc_tests::serve::{Request, ServeHost, Server};
    let origin = Origin::start();
    let at = origin.addr;
    let compiled = compile_ok(
        &format!(
            "config \"log-level\" = \"debug\"; env GREETING = \"virtual\";\n\
             http allow \"GET http://{at}/ok\";\n"
        ),
        &guest("config_server"),
    );
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(config_imports(&imports).is_empty(), "{imports:?}");
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:http/outgoing-handler@")),
        "{imports:?}"
    );
    let server = Server::new(composed, ServeHost::with_env(&[("GREETING", "host")])).unwrap();
    let response = server
        .handle(Request::get("/?keys=log-level,APP_NAME"))
        .unwrap();
    assert_eq!(
        response.text(),
        "config log-level = debug\nconfig APP_NAME: none\ngreeting=virtual\n"
    );
    let fetch = |url: String| {
        server
            .handle(Request::get("/fetch").header("url", &url))
            .unwrap()
            .text()
    };
    // wasmtime's client resets about one loopback connection in a hundred: up to three tries.
    let allowed = (0..3)
        .map(|_| fetch(format!("http://{at}/ok")))
        .find(|t| t.ends_with("fetch: 200\n"));
    assert!(allowed.is_some(), "the allowed fetch never succeeded");
    assert_eq!(
        fetch(format!("http://{at}/nope")),
        "greeting=virtual\nfetch: error ErrorCode::HttpRequestDenied\n"
    );
    let seen = origin.finish();
    assert!(seen.iter().all(|l| l.starts_with("GET /ok ")), "{seen:?}");
}
