//! Reading traces: every line shape the observer uses.

use super::*;

#[test]
fn reads_the_calls_that_grant() {
    let trace = [
        r#"virtc-trace: wasi:cli/environment#get-environment() -> ["A"]"#,
        r#"virtc-trace: wasi:cli/stdout#get-stdout() -> host"#,
        r#"virtc-trace: wasi:filesystem/preopens#get-directories() -> ["/"]"#,
        r#"virtc-trace: wasi:filesystem/types#open-at("/", "data/./x \"q\".txt", -, read) -> ok"#,
        r#"virtc-trace: wasi:filesystem/types#open-at("/data", "../missing", -, read) -> error(no-entry)"#,
        r#"virtc-trace: wasi:filesystem/types#read-directory("/etc") -> ok"#,
        r#"virtc-trace: wasi:sockets/tcp#start-connect(127.0.0.1:8080) -> ok"#,
        r#"virtc-trace: wasi:sockets/tcp#start-connect(10.0.0.1:80) -> error(access-denied)"#,
        r#"virtc-trace: wasi:sockets/udp#send([127.0.0.1:53, none, [::1]:9]) -> ok(3)"#,
        r#"virtc-trace: wasi:sockets/ip-name-lookup#resolve-addresses("localhost") -> ok"#,
        r#"virtc-trace: wasi:http/outgoing-handler#handle(GET http://127.0.0.1:9/a?b=1) -> ok"#,
        r#"virtc-trace: wasi:clocks/monotonic-clock#now()"#,
    ];
    let o = Observation::read(trace);
    assert!(o.environment && o.stdout && o.preopens && o.clocks);
    assert!(!o.arguments && !o.stdin && !o.random && !o.exit);
    assert_eq!(o.paths.iter().collect::<Vec<_>>(), ["/data/x \"q\".txt"]);
    assert_eq!(o.listed.iter().collect::<Vec<_>>(), ["/etc"]);
    assert_eq!(o.tcp_connect.iter().collect::<Vec<_>>(), ["127.0.0.1:8080"]);
    assert_eq!(
        o.udp_send.iter().collect::<Vec<_>>(),
        ["127.0.0.1:53", "[::1]:9"]
    );
    assert_eq!(o.names.iter().collect::<Vec<_>>(), ["localhost"]);
    assert_eq!(
        o.http.iter().map(|r| http_rule(r)).collect::<Vec<_>>(),
        ["GET http://127.0.0.1:9/a"]
    );
}

#[test]
fn guest_paths_stay_inside_the_root() {
    assert_eq!(guest_path("/", "a/b"), "/a/b");
    assert_eq!(guest_path("/a", "../../b"), "/b");
    assert_eq!(guest_path("/a", "/c/./d"), "/c/d");
    assert_eq!(guest_path("/a", ""), "/a");
}

#[test]
fn garbage_lines_are_skipped() {
    for line in ["", "virtc-trace:", "x#y(", "a#b(\"unterminated", "#()"] {
        assert_eq!(Observation::read([line]), Observation::default(), "{line}");
    }
}

#[test]
fn recording_policy_checks() {
    let request = Request {
        env: vec![
            ("HOME".into(), None),
            ("MODE".into(), Some("a \"b\"".into())),
        ],
        root: PathBuf::from("/srv/app"),
    };
    let text = recording_policy(&request);
    let policy = crate::Policy::from_text(text.clone(), "/srv/app");
    let diagnostics = policy.check(None).expect("the recording policy checks");
    assert!(
        diagnostics
            .iter()
            .all(|d| d.severity != crate::Severity::Error),
        "{text}"
    );
}
