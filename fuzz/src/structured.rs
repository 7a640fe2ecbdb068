//! Policies built from the grammar by `arbitrary` (`policy_structured`): every statement of the
//! language with values drawn from what the checker tells apart (subsystem names, globs, paths,
//! HTTP and network rules, instants, durations, sizes), so that fuzzing reaches the checker's
//! deep cases instead of stopping at syntax errors; and the image walk shared with the
//! targets that read images.

use arbitrary::{Arbitrary, Unstructured};
use virtc_grammar::lexer::quote;
use virtc_policy::image::{Image, Kind};

/// A policy of up to four files: the root and the files it may `use` (`./1.virt`…).
#[derive(Debug, Arbitrary)]
pub struct Policy {
    pub root: Vec<Stmt>,
    pub others: Vec<Vec<Stmt>>,
    pub layout: Vec<Gap>,
}

impl Policy {
    /// The texts of the files, the root first.
    pub fn texts(&self) -> Vec<String> {
        let mut gaps = self.layout.iter().cycle();
        let mut texts = vec![render(&self.root, &mut gaps)];
        for other in self.others.iter().take(3) {
            texts.push(render(other, &mut gaps));
        }
        texts
    }
}

fn render<'a>(stmts: &[Stmt], gaps: &mut impl Iterator<Item = &'a Gap>) -> String {
    let mut out = String::new();
    for stmt in stmts.iter().take(64) {
        let mut words = Vec::new();
        stmt.words(&mut words);
        for word in words {
            out.push_str(gaps.next().map_or(" ", Gap::text));
            out.push_str(&word);
        }
        out.push_str(gaps.next().map_or("\n", Gap::text));
    }
    out
}

/// What separates two words.
#[derive(Debug, Arbitrary)]
pub enum Gap {
    Space,
    Newline,
    BlankLine,
    None,
    LineComment,
    BlockComment,
    Tab,
    Crlf,
}

impl Gap {
    fn text(&self) -> &'static str {
        match self {
            Gap::Space => " ",
            Gap::Newline => "\n",
            Gap::BlankLine => "\n\n",
            Gap::None => "",
            Gap::LineComment => " // c\n",
            Gap::BlockComment => "/* c */",
            Gap::Tab => "\t",
            Gap::Crlf => "\r\n",
        }
    }
}

#[derive(Debug, Arbitrary)]
pub enum Stmt {
    Allow(Word),
    Deny(Word),
    ImportAllow(Vec<Interface>),
    ImportDeny(Vec<Interface>),
    EnvSet(EnvName, Lit),
    EnvAllow(Vec<Glob>),
    EnvDeny(Vec<Glob>),
    ConfigSet(Lit, Lit),
    ConfigAllow(Vec<Glob>),
    ConfigDeny(Vec<Glob>),
    HttpAllow(Vec<HttpRule>),
    HttpDeny(Vec<HttpRule>),
    Mount {
        guest: GuestPath,
        host: HostPath,
        options: Vec<MountOption>,
        rules: Option<Vec<(bool, Vec<Glob>)>>,
    },
    Tmpfs {
        guest: GuestPath,
        options: Vec<MountOption>,
    },
    FileText(GuestPath, Lit),
    FileFrom(GuestPath, HostPath),
    FileHost(GuestPath, HostPath, bool),
    Preopen(GuestPath, HostPath, bool),
    Stdio(Stream, Word),
    ArgsWord(Word),
    ArgsList(Vec<Lit>),
    UseProfile(Vec<Word>),
    UseFile(u8),
    Net(Proto, Word, Vec<NetRule>),
    ClocksFixed(Instant),
    ClocksResolution(Duration),
    RandomSeed(Seed),
    Mode(Word, Word, Lit),
    /// Anything, to mix syntax errors in.
    Raw(String),
}

impl Stmt {
    fn words(&self, w: &mut Vec<String>) {
        let mut push = |s: &str| w.push(s.to_string());
        match self {
            Stmt::Allow(word) => push(&format!("allow {} ;", word.text())),
            Stmt::Deny(word) => push(&format!("deny {} ;", word.text())),
            Stmt::ImportAllow(list) => push(&format!("allow import {};", list_of(list))),
            Stmt::ImportDeny(list) => push(&format!("deny import {};", list_of(list))),
            Stmt::EnvSet(name, value) => push(&format!("env {} = {};", name.text(), value.text())),
            Stmt::EnvAllow(list) => push(&format!("env allow {};", list_of(list))),
            Stmt::EnvDeny(list) => push(&format!("env deny {};", list_of(list))),
            Stmt::ConfigSet(key, value) => {
                push(&format!("config {} = {};", key.text(), value.text()))
            }
            Stmt::ConfigAllow(list) => push(&format!("config allow {};", list_of(list))),
            Stmt::ConfigDeny(list) => push(&format!("config deny {};", list_of(list))),
            Stmt::HttpAllow(list) => push(&format!("http allow {};", list_of(list))),
            Stmt::HttpDeny(list) => push(&format!("http deny {};", list_of(list))),
            Stmt::Mount {
                guest,
                host,
                options,
                rules,
            } => {
                push("mount");
                push(&guest.text());
                push("from");
                push(&host.text());
                for option in options.iter().take(4) {
                    push(&option.text());
                }
                match rules {
                    None => push(";"),
                    Some(rules) => {
                        push("{");
                        for (include, globs) in rules.iter().take(4) {
                            let word = if *include { "include" } else { "exclude" };
                            push(&format!("{word} {};", list_of(globs)));
                        }
                        push("}");
                    }
                }
            }
            Stmt::Tmpfs { guest, options } => {
                push("tmpfs");
                push(&guest.text());
                for option in options.iter().take(4) {
                    push(&option.text());
                }
                push(";");
            }
            Stmt::FileText(guest, text) => {
                push(&format!("file {} = {};", guest.text(), text.text()))
            }
            Stmt::FileFrom(guest, host) => {
                push(&format!("file {} from {};", guest.text(), host.text()))
            }
            Stmt::FileHost(guest, host, readonly) => push(&format!(
                "file {} from host {}{};",
                guest.text(),
                host.text(),
                if *readonly { " readonly" } else { "" }
            )),
            Stmt::Preopen(guest, host, readonly) => push(&format!(
                "preopen {} from host {}{};",
                guest.text(),
                host.text(),
                if *readonly { " readonly" } else { "" }
            )),
            Stmt::Stdio(stream, mode) => push(&format!("{} {};", stream.text(), mode.text())),
            Stmt::ArgsWord(word) => push(&format!("args {};", word.text())),
            Stmt::ArgsList(list) => push(&format!("args {};", list_of(list))),
            Stmt::UseProfile(path) => {
                let path: Vec<String> = path.iter().take(4).map(Word::text).collect();
                push(&format!("use std::{};", path.join("::")));
            }
            Stmt::UseFile(n) => push(&format!("use \"./{}.virt\";", n % 5)),
            Stmt::Net(proto, verb, rules) => push(&format!(
                "{} {} {};",
                proto.text(),
                verb.text(),
                list_of(rules)
            )),
            Stmt::ClocksFixed(instant) => {
                push(&format!("clocks fixed {};", quote(&instant.text())))
            }
            Stmt::ClocksResolution(d) => push(&format!("clocks resolution {};", quote(&d.text()))),
            Stmt::RandomSeed(seed) => push(&format!("random seed {};", seed.text())),
            Stmt::Mode(subject, mode, value) => push(&format!(
                "{} {} {};",
                subject.text(),
                mode.text(),
                value.text()
            )),
            Stmt::Raw(text) => push(text),
        }
    }
}

/// Renders as one literal, or a list of them.
trait Literal {
    fn text(&self) -> String;
}

fn list_of<T: Literal>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().take(6).map(Literal::text).collect();
    if items.is_empty() {
        "\"\"".into()
    } else {
        items.join(", ")
    }
}

/// A word of the language, or any identifier.
#[derive(Debug, Arbitrary)]
pub enum Word {
    Known(u8),
    Other(String),
}

const WORDS: &[&str] = &[
    "all",
    "clocks",
    "env",
    "config",
    "exit",
    "fs",
    "http",
    "random",
    "sockets",
    "stdio",
    "allow",
    "deny",
    "ignore",
    "fixed",
    "resolution",
    "seed",
    "connect",
    "listen",
    "send",
    "bind",
    "resolve",
    "writable",
    "limit",
    "readonly",
    "cli",
    "sandbox",
    "minimal",
    "std",
    "import",
    "args",
    "stdin",
    "stdout",
    "stderr",
    "tcp",
    "udp",
    "dns",
    "network",
    "files",
    "x",
];

impl Word {
    fn text(&self) -> String {
        match self {
            Word::Known(i) => WORDS[*i as usize % WORDS.len()].into(),
            Word::Other(s) => {
                let s: String = s
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .take(16)
                    .collect();
                if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                    format!("w{s}")
                } else {
                    s
                }
            }
        }
    }
}

/// A string literal of any value.
#[derive(Debug, Arbitrary)]
pub enum Lit {
    Value(String),
    Known(u8),
}

const VALUES: &[&str] = &[
    "",
    "demo",
    "a=b",
    "\n",
    "\u{0}",
    "ünïcödé",
    "🦀",
    "\\",
    "\"",
    "${HOME}",
    "x\ty",
];

impl Literal for Lit {
    fn text(&self) -> String {
        match self {
            Lit::Value(s) => quote(s),
            Lit::Known(i) => quote(VALUES[*i as usize % VALUES.len()]),
        }
    }
}

/// `env NAME` or `env "NAME"`.
#[derive(Debug, Arbitrary)]
pub enum EnvName {
    Word(Word),
    Quoted(Lit),
}

impl EnvName {
    fn text(&self) -> String {
        match self {
            EnvName::Word(w) => w.text(),
            EnvName::Quoted(l) => l.text(),
        }
    }
}

/// A glob: pieces from globset's syntax.
#[derive(Debug, Arbitrary)]
pub struct Glob(Vec<GlobPiece>);

#[derive(Debug, Arbitrary)]
pub enum GlobPiece {
    Star,
    DoubleStar,
    Question,
    Class(bool, char, char),
    Alternatives(Vec<String>),
    Text(String),
    Known(u8),
}

const GLOB_TEXT: &[&str] = &[
    "HOME", "LANG_", "a", "/", ".", "..", "\\", "[", "]", "{", "}", ",",
];

impl Literal for Glob {
    fn text(&self) -> String {
        let mut s = String::new();
        for piece in self.0.iter().take(8) {
            match piece {
                GlobPiece::Star => s.push('*'),
                GlobPiece::DoubleStar => s.push_str("**"),
                GlobPiece::Question => s.push('?'),
                GlobPiece::Class(negated, a, b) => {
                    s.push('[');
                    if *negated {
                        s.push('!');
                    }
                    s.push(*a);
                    s.push('-');
                    s.push(*b);
                    s.push(']');
                }
                GlobPiece::Alternatives(list) => {
                    s.push('{');
                    s.push_str(&list.iter().take(4).cloned().collect::<Vec<_>>().join(","));
                    s.push('}');
                }
                GlobPiece::Text(t) => s.push_str(t),
                GlobPiece::Known(i) => s.push_str(GLOB_TEXT[*i as usize % GLOB_TEXT.len()]),
            }
        }
        quote(&s)
    }
}

/// An interface name for `allow import` / `deny import`.
#[derive(Debug, Arbitrary)]
pub struct Interface {
    namespace: u8,
    package: u8,
    glob: Option<Glob>,
    version: Option<Version>,
}

const NAMESPACES: &[&str] = &["wasi", "wasmcloud", "my-org", "*", "x"];
const PACKAGES: &[&str] = &[
    "keyvalue", "cli", "http", "*", "random", "sockets", "config",
];

impl Literal for Interface {
    fn text(&self) -> String {
        let mut s = format!(
            "{}:{}/",
            NAMESPACES[self.namespace as usize % NAMESPACES.len()],
            PACKAGES[self.package as usize % PACKAGES.len()]
        );
        match &self.glob {
            None => s.push('*'),
            Some(g) => {
                let t = g.text();
                s.push_str(&t[1..t.len() - 1]);
            }
        }
        if let Some(v) = &self.version {
            s.push('@');
            s.push_str(&v.text());
        }
        quote(&s)
    }
}

/// A version: semver with odd numbers, prereleases and build metadata.
#[derive(Debug, Arbitrary)]
pub struct Version {
    major: u64,
    minor: u8,
    patch: u64,
    pre: Option<String>,
    star: bool,
}

impl Version {
    /// `major.minor.patch`, for seeds.
    pub fn new(major: u64, minor: u8, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch: if patch.is_multiple_of(4) {
                patch
            } else {
                patch + 14
            },
            pre: None,
            star: false,
        }
    }

    pub fn text(&self) -> String {
        if self.star {
            return "*".into();
        }
        let mut s = format!(
            "{}.{}.{}",
            self.major % 3,
            self.minor % 4,
            if self.patch.is_multiple_of(4) {
                self.patch
            } else {
                self.patch % 14
            }
        );
        if let Some(pre) = &self.pre {
            s.push('-');
            s.push_str(pre);
        }
        s
    }
}

/// An HTTP rule: `[METHODS ]SCHEME://HOST[:PORTS][PATH]`.
#[derive(Debug, Arbitrary)]
pub struct HttpRule {
    methods: Vec<u8>,
    scheme: u8,
    host: Host,
    ports: Option<Ports>,
    path: Option<Path>,
    raw: Option<String>,
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "*", "get", "PATCH", "G E", "",
];
const SCHEMES: &[&str] = &["https", "http", "*", "ftp", "", "HTTP"];

impl Literal for HttpRule {
    fn text(&self) -> String {
        if let Some(raw) = &self.raw {
            return quote(raw);
        }
        let mut s = String::new();
        let methods: Vec<&str> = self
            .methods
            .iter()
            .take(3)
            .map(|m| METHODS[*m as usize % METHODS.len()])
            .collect();
        if !methods.is_empty() {
            s.push_str(&methods.join(","));
            s.push(' ');
        }
        s.push_str(SCHEMES[self.scheme as usize % SCHEMES.len()]);
        s.push_str("://");
        s.push_str(&self.host.text());
        if let Some(p) = &self.ports {
            s.push(':');
            s.push_str(&p.text());
        }
        if let Some(p) = &self.path {
            s.push_str(&p.text());
        }
        quote(&s)
    }
}

/// A host: an IP, a CIDR block, a name, `*.suffix` or `*`.
#[derive(Debug, Arbitrary)]
pub enum Host {
    V4([u8; 4]),
    V6([u16; 8]),
    Cidr4([u8; 4], u8),
    Cidr6([u16; 8], u8),
    Name(Vec<Label>),
    Subdomains(Vec<Label>),
    Any,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
pub enum Label {
    Known(u8),
    Other(String),
}

const LABELS: &[&str] = &[
    "example",
    "com",
    "localhost",
    "a",
    "xn--bcher-kva",
    "-",
    "",
    "*",
    "1",
];

impl Host {
    fn text(&self) -> String {
        let labels = |l: &[Label]| {
            l.iter()
                .take(4)
                .map(|l| match l {
                    Label::Known(i) => LABELS[*i as usize % LABELS.len()].to_string(),
                    Label::Other(s) => s.chars().take(8).collect(),
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let v6 = |s: &[u16; 8]| format!("[{}]", std::net::Ipv6Addr::from(*s));
        match self {
            Host::V4(b) => std::net::Ipv4Addr::from(*b).to_string(),
            Host::V6(s) => v6(s),
            Host::Cidr4(b, p) => format!("{}/{}", std::net::Ipv4Addr::from(*b), p % 40),
            Host::Cidr6(s, p) => format!("{}/{}", v6(s), p % 140),
            Host::Name(l) => labels(l),
            Host::Subdomains(l) => format!("*.{}", labels(l)),
            Host::Any => "*".into(),
            Host::Raw(s) => s.chars().take(24).collect(),
        }
    }
}

/// Ports: a number, a range, `*`.
#[derive(Debug, Arbitrary)]
pub enum Ports {
    One(u32),
    Range(u32, u32),
    Any,
}

impl Ports {
    fn text(&self) -> String {
        match self {
            Ports::One(p) => (p % 70000).to_string(),
            Ports::Range(a, b) => format!("{}-{}", a % 70000, b % 70000),
            Ports::Any => "*".into(),
        }
    }
}

/// A URL path in an HTTP rule.
#[derive(Debug, Arbitrary)]
pub struct Path(Vec<GlobPiece>, Option<String>);

impl Path {
    fn text(&self) -> String {
        let mut s = String::from("/");
        for piece in self.0.iter().take(6) {
            match piece {
                GlobPiece::Star => s.push('*'),
                GlobPiece::DoubleStar => s.push_str("**"),
                GlobPiece::Question => s.push('?'),
                GlobPiece::Text(t) => s.push_str(&t.chars().take(8).collect::<String>()),
                GlobPiece::Known(i) => s.push_str(["/", "api", "%2F", "..", "v1"][*i as usize % 5]),
                _ => s.push('/'),
            }
        }
        if let Some(q) = &self.1 {
            s.push('?');
            s.push_str(q);
        }
        s
    }
}

/// A guest path.
#[derive(Debug, Arbitrary)]
pub enum GuestPath {
    Root,
    Segments(Vec<u8>),
    Raw(String),
}

const SEGMENTS: &[&str] = &["a", "b", "etc", "tmp", "..", ".", "", "data", "a b", "ü"];

impl GuestPath {
    fn text(&self) -> String {
        match self {
            GuestPath::Root => quote("/"),
            GuestPath::Segments(s) => {
                let s: Vec<&str> = s
                    .iter()
                    .take(5)
                    .map(|i| SEGMENTS[*i as usize % SEGMENTS.len()])
                    .collect();
                quote(&format!("/{}", s.join("/")))
            }
            GuestPath::Raw(s) => quote(s),
        }
    }
}

/// A host path (never read: the fuzz database has no disk).
#[derive(Debug, Arbitrary)]
pub enum HostPath {
    Relative(u8),
    Absolute(u8),
    Raw(String),
}

impl HostPath {
    fn text(&self) -> String {
        match self {
            HostPath::Relative(i) => {
                quote(["./dir", "dir", "../x", ".", "./a/../b"][*i as usize % 5])
            }
            HostPath::Absolute(i) => quote(["/srv/data", "/", "/tmp/x"][*i as usize % 3]),
            HostPath::Raw(s) => quote(s),
        }
    }
}

/// `writable`, `limit "SIZE"`, or any word with any value.
#[derive(Debug, Arbitrary)]
pub enum MountOption {
    Writable,
    Limit(Size),
    Other(Word, Option<Lit>),
}

impl MountOption {
    fn text(&self) -> String {
        match self {
            MountOption::Writable => "writable".into(),
            MountOption::Limit(size) => format!("limit {}", quote(&size.text())),
            MountOption::Other(w, None) => w.text(),
            MountOption::Other(w, Some(l)) => format!("{} {}", w.text(), l.text()),
        }
    }
}

/// A size: a number and a unit.
#[derive(Debug, Arbitrary)]
pub struct Size(u64, u8, bool);

impl Size {
    fn text(&self) -> String {
        let units = ["", "B", "KiB", "MiB", "GiB", "TiB", "KB", "k", "EiB", "x"];
        let n = if self.2 { self.0 } else { self.0 % 4096 };
        format!("{n}{}", units[self.1 as usize % units.len()])
    }
}

/// `stdin`, `stdout`, `stderr`, `stdio`.
#[derive(Debug, Arbitrary)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
    Stdio,
}

impl Stream {
    fn text(&self) -> &'static str {
        match self {
            Stream::Stdin => "stdin",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
            Stream::Stdio => "stdio",
        }
    }
}

/// `tcp`, `udp`, `dns`.
#[derive(Debug, Arbitrary)]
pub enum Proto {
    Tcp,
    Udp,
    Dns,
}

impl Proto {
    fn text(&self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Dns => "dns",
        }
    }
}

/// `HOST:PORTS` (or a bare name for `dns`).
#[derive(Debug, Arbitrary)]
pub struct NetRule(Host, Option<Ports>);

impl Literal for NetRule {
    fn text(&self) -> String {
        match &self.1 {
            None => quote(&self.0.text()),
            Some(p) => quote(&format!("{}:{}", self.0.text(), p.text())),
        }
    }
}

/// An RFC 3339 instant, with out-of-range fields now and then.
#[derive(Debug, Arbitrary)]
pub struct Instant {
    year: u32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    fraction: Option<u64>,
    offset: Option<(bool, u8, u8)>,
    wild: bool,
}

impl Instant {
    fn text(&self) -> String {
        let (y, mo, d, h, mi, s) = if self.wild {
            (
                self.year,
                self.month as u32,
                self.day as u32,
                self.hour as u32,
                self.minute as u32,
                self.second as u32,
            )
        } else {
            (
                1960 + self.year % 8100,
                1 + self.month as u32 % 12,
                1 + self.day as u32 % 31,
                self.hour as u32 % 24,
                self.minute as u32 % 60,
                self.second as u32 % 61,
            )
        };
        let mut t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
        if let Some(f) = self.fraction {
            t.push_str(&format!(".{f}"));
        }
        match self.offset {
            None => t.push('Z'),
            Some((neg, h, m)) => t.push_str(&format!(
                "{}{:02}:{:02}",
                if neg { '-' } else { '+' },
                h % 30,
                m % 70
            )),
        }
        t
    }
}

/// A duration: a number and a unit.
#[derive(Debug, Arbitrary)]
pub struct Duration(u64, u8, bool);

impl Duration {
    fn text(&self) -> String {
        let units = ["ns", "us", "µs", "ms", "s", "m", "h", "d", "", "x"];
        let n = if self.2 { self.0 } else { self.0 % 2000 };
        format!("{n}{}", units[self.1 as usize % units.len()])
    }
}

/// The number of `random seed N`.
#[derive(Debug, Arbitrary)]
pub enum Seed {
    Small(u16),
    Big(u64),
    Huge(u8),
}

impl Seed {
    fn text(&self) -> String {
        match self {
            Seed::Small(n) => n.to_string(),
            Seed::Big(n) => n.to_string(),
            Seed::Huge(n) => format!("{}{}", u64::MAX, n),
        }
    }
}

/// Builds a policy from fuzz bytes.
pub fn policy(data: &[u8]) -> arbitrary::Result<Policy> {
    Policy::arbitrary_take_rest(Unstructured::new(data))
}

/// Visits every node of `image` as the adapter and `inspect` do: children, lookups by name
/// (of every child, and of names that are not there), contents. `built`: the image is one
/// virtc wrote, whose lookups must find every child.
pub fn walk_image(image: &Image<'_>, built: bool) {
    for index in 0..image.len() {
        let node = image.node(index);
        assert_eq!(node.index, index);
        let _ = image.data(&node);
        let _ = image.host_file(&node);
        let _ = node.size();
        if node.kind == Kind::Directory {
            for child in image.children(index).take(256) {
                let found = image.lookup(index, child.name);
                if built {
                    assert_eq!(found, Some(child), "a child of a built image is not found");
                }
                let _ = image.data(&child);
            }
            let _ = image.lookup(index, b"");
            let _ = image.lookup(index, b"\xff");
        } else {
            assert!(image.lookup(index, b"a").is_none());
        }
    }
}
