//! The binary encoding of a [`Policy`]: little-endian integers, length-prefixed strings, fields
//! in declaration order after a magic header and a format version. The network, HTTP and
//! config parts are length-prefixed sections, so that a reader can skip them and decode each
//! on its first use ([`decode_core`], [`Sections`]); the embedded image comes last, aligned.

use crate::prelude::*;

use crate::http::HttpRules;
use crate::net::{AddrPattern, HostPattern, NetAccess, Network, Ports};
use crate::{
    Access, Args, ClockMode, Config, Embedding, Environment, FORMAT_VERSION, Files, HostFile,
    HttpAccess, HttpPolicy, MAGIC, Origin, Policy, Preopen, PreopenSource, RandomSeed, Stdio,
    StreamMode, Trace,
};
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::ops::Range;

/// Why bytes could not be decoded as a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    BadMagic,
    UnsupportedVersion(u32),
    Truncated,
    BadTag(u8),
    BadUtf8,
    TrailingBytes,
}

/// What a decoder returns on failure: the reason, or, with the feature `trap` (the adapter,
/// which traps on a policy it cannot read), nothing at all. Then `Result<T, Error>` has the
/// layout of `T`, every `?` compiles to nothing and the decoders carry no error paths.
#[cfg(not(feature = "trap"))]
pub type Error = DecodeError;
/// See the other definition.
#[cfg(feature = "trap")]
pub type Error = core::convert::Infallible;

/// The failure `e`: returned as it is, or (feature `trap`) a trap on the spot.
#[inline(always)]
pub(crate) fn bad(e: DecodeError) -> Error {
    #[cfg(not(feature = "trap"))]
    return e;
    #[cfg(feature = "trap")]
    {
        let _ = e;
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable();
        #[cfg(not(target_arch = "wasm32"))]
        panic!("undecodable policy");
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadMagic => write!(f, "not a virtc policy (bad magic)"),
            DecodeError::UnsupportedVersion(v) => write!(f, "unsupported policy format {v}"),
            DecodeError::Truncated => write!(f, "policy data is truncated"),
            DecodeError::BadTag(t) => write!(f, "unknown tag {t} in policy data"),
            DecodeError::BadUtf8 => write!(f, "policy string is not UTF-8"),
            DecodeError::TrailingBytes => write!(f, "trailing bytes after policy data"),
        }
    }
}

pub(crate) fn encode(policy: &Policy) -> Vec<u8> {
    let mut bytes = encode_head(policy);
    for part in policy.files.image.parts() {
        bytes.extend_from_slice(part);
    }
    bytes
}

/// The encoding of `policy` up to its image, which follows it directly: the bytes before the
/// image's (whose length they give).
pub(crate) fn encode_head(policy: &Policy) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT_VERSION);
    let env = &policy.env;
    w.pairs(&env.vars);
    w.strs(&env.allow);
    w.strs(&env.deny);
    match &env.args {
        Args::Host => w.u8(0),
        Args::Fixed(list) => {
            w.u8(1);
            w.strs(list);
        }
    }
    match &env.cwd {
        None => w.u8(0),
        Some(cwd) => {
            w.u8(1);
            w.str(cwd);
        }
    }
    for mode in [policy.stdio.stdin, policy.stdio.stdout, policy.stdio.stderr] {
        w.u8(match mode {
            StreamMode::Deny => 0,
            StreamMode::Host => 1,
            StreamMode::Ignore => 2,
        });
    }
    for access in [policy.random, policy.clocks, policy.exit, policy.fs] {
        w.access(access);
    }
    w.u8(match policy.trace {
        Trace::Off => 0,
        Trace::Stderr => 1,
        Trace::Sink => 2,
    });
    match policy.clock_mode {
        ClockMode::Plain => w.u8(0),
        ClockMode::Fixed {
            seconds,
            nanoseconds,
        } => {
            w.u8(1);
            w.u64(seconds);
            w.u32(nanoseconds);
        }
        ClockMode::Resolution { ns } => {
            w.u8(2);
            w.u64(ns);
        }
    }
    match &policy.random_seed {
        None => w.u8(0),
        Some(seed) => {
            w.u8(1);
            for key in [&seed.random, &seed.insecure, &seed.insecure_seed] {
                w.0.extend_from_slice(key);
            }
        }
    }
    w.u32(policy.files.preopens.len() as u32);
    for p in &policy.files.preopens {
        w.str(&p.guest);
        match &p.source {
            PreopenSource::Embedded { node } => {
                w.u8(0);
                w.u32(*node);
            }
            PreopenSource::Host { host, readonly } => {
                w.u8(1);
                w.str(host);
                w.u8(u8::from(*readonly));
            }
            PreopenSource::Memory { node, limit } => {
                w.u8(2);
                for value in [node.map(u64::from), *limit] {
                    match value {
                        None => w.u8(0),
                        Some(v) => {
                            w.u8(1);
                            w.u64(v);
                        }
                    }
                }
            }
        }
    }
    w.u32(policy.files.host_files.len() as u32);
    for f in &policy.files.host_files {
        w.str(&f.dir);
        w.str(&f.name);
        w.u8(u8::from(f.readonly));
    }
    w.section(|w| w.network(&policy.net));
    w.section(|w| w.http(&policy.http));
    w.section(|w| w.config(&policy.config));
    w.section(|w| w.origin(&policy.origin));
    // The image goes last, 8-byte aligned relative to the start, so it can be read in place.
    w.u32(policy.files.image.len() as u32);
    while !w.0.len().is_multiple_of(8) {
        w.u8(0);
    }
    w.0
}

/// Where the parts [`Policy::decode_core`](crate::Policy::decode_core) leaves undecoded lie in the policy's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub net: Range<usize>,
    pub http: Range<usize>,
    pub config: Range<usize>,
    pub origin: Range<usize>,
    pub image: Range<usize>,
}

impl Sections {
    /// The network rules, from the policy's bytes.
    pub fn net(&self, bytes: &[u8]) -> Result<Network, Error> {
        section(bytes, &self.net, |r| r.network())
    }

    /// The HTTP part, from the policy's bytes.
    pub fn http(&self, bytes: &[u8]) -> Result<HttpPolicy, Error> {
        section(bytes, &self.http, |r| r.http())
    }

    /// The config part, from the policy's bytes.
    pub fn config(&self, bytes: &[u8]) -> Result<Config, Error> {
        section(bytes, &self.config, |r| r.config())
    }

    /// The statements' origin, from the policy's bytes.
    pub fn origin(&self, bytes: &[u8]) -> Result<Origin, Error> {
        section(bytes, &self.origin, |r| r.origin())
    }
}

/// Decodes one whole section with `read`.
fn section<'a, T>(
    bytes: &'a [u8],
    range: &Range<usize>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    let bytes = bytes
        .get(range.clone())
        .ok_or_else(|| bad(DecodeError::Truncated))?;
    let mut r = Reader { bytes, pos: 0 };
    let value = read(&mut r)?;
    if r.pos != bytes.len() {
        return Err(bad(DecodeError::TrailingBytes));
    }
    Ok(value)
}

pub(crate) fn decode(bytes: &[u8]) -> Result<(Policy, Range<usize>), Error> {
    let (mut policy, sections) = decode_core(bytes)?;
    policy.net = sections.net(bytes)?;
    policy.http = sections.http(bytes)?;
    policy.config = sections.config(bytes)?;
    policy.origin = sections.origin(bytes)?;
    policy.files.image = bytes[sections.image.clone()].to_vec().into();
    Ok((policy, sections.image))
}

pub(crate) fn decode_core(bytes: &[u8]) -> Result<(Policy, Sections), Error> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(bad(DecodeError::BadMagic));
    }
    let version = r.u32()?;
    if version != FORMAT_VERSION {
        return Err(bad(DecodeError::UnsupportedVersion(version)));
    }
    let vars = r.pairs()?;
    let allow = r.strs()?;
    let deny = r.strs()?;
    let args = match r.u8()? {
        0 => Args::Host,
        1 => Args::Fixed(r.strs()?),
        t => return Err(bad(DecodeError::BadTag(t))),
    };
    let cwd = match r.u8()? {
        0 => None,
        1 => Some(r.str()?),
        t => return Err(bad(DecodeError::BadTag(t))),
    };
    let mut streams = [StreamMode::Deny; 3];
    for s in &mut streams {
        *s = match r.u8()? {
            0 => StreamMode::Deny,
            1 => StreamMode::Host,
            2 => StreamMode::Ignore,
            t => return Err(bad(DecodeError::BadTag(t))),
        };
    }
    let mut access = [Access::Deny; 4];
    for a in &mut access {
        *a = r.access()?;
    }
    let trace = match r.u8()? {
        0 => Trace::Off,
        1 => Trace::Stderr,
        2 => Trace::Sink,
        t => return Err(bad(DecodeError::BadTag(t))),
    };
    let clock_mode = match r.u8()? {
        0 => ClockMode::Plain,
        1 => ClockMode::Fixed {
            seconds: r.u64()?,
            nanoseconds: r.u32()?,
        },
        2 => ClockMode::Resolution { ns: r.u64()? },
        t => return Err(bad(DecodeError::BadTag(t))),
    };
    let random_seed = match r.u8()? {
        0 => None,
        1 => Some(RandomSeed {
            random: r.key()?,
            insecure: r.key()?,
            insecure_seed: r.key()?,
        }),
        t => return Err(bad(DecodeError::BadTag(t))),
    };
    let n = r.u32()?;
    let mut preopens = Vec::new();
    for _ in 0..n {
        let guest = r.str()?;
        let source = match r.u8()? {
            0 => PreopenSource::Embedded { node: r.u32()? },
            1 => PreopenSource::Host {
                host: r.str()?,
                readonly: r.flag()?,
            },
            2 => {
                let node = match r.optional_u64()? {
                    None => None,
                    Some(n) => Some(u32::try_from(n).map_err(|_| bad(DecodeError::BadTag(2)))?),
                };
                PreopenSource::Memory {
                    node,
                    limit: r.optional_u64()?,
                }
            }
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        preopens.push(Preopen { guest, source });
    }
    let n = r.u32()?;
    let mut host_files = Vec::new();
    for _ in 0..n {
        host_files.push(HostFile {
            dir: r.str()?,
            name: r.str()?,
            readonly: r.flag()?,
        });
    }
    let net = r.section()?;
    let http = r.section()?;
    let config = r.section()?;
    let origin = r.section()?;
    let image_len = r.u32()? as usize;
    while !r.pos.is_multiple_of(8) {
        if r.u8()? != 0 {
            return Err(bad(DecodeError::BadTag(1)));
        }
    }
    let image_start = r.pos;
    r.take(image_len)?;
    if r.pos != bytes.len() {
        return Err(bad(DecodeError::TrailingBytes));
    }
    let policy = Policy {
        env: Environment {
            vars,
            allow,
            deny,
            args,
            cwd,
        },
        stdio: Stdio {
            stdin: streams[0],
            stdout: streams[1],
            stderr: streams[2],
        },
        random: access[0],
        clocks: access[1],
        exit: access[2],
        fs: access[3],
        files: Files {
            preopens,
            host_files,
            image: Default::default(),
        },
        net: Network::default(),
        http: HttpPolicy::default(),
        config: Config::default(),
        origin: Origin::default(),
        trace,
        clock_mode,
        random_seed,
    };
    let sections = Sections {
        net,
        http,
        config,
        origin,
        image: image_start..image_start + image_len,
    };
    Ok((policy, sections))
}

/// Writes the encoding's primitives (shared with the HTTP rules' codec, `http/codec.rs`).
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn strs(&mut self, list: &[String]) {
        self.u32(list.len() as u32);
        for s in list {
            self.str(s);
        }
    }
    /// `(key, value)` pairs, counted.
    fn pairs(&mut self, pairs: &[(String, String)]) {
        self.u32(pairs.len() as u32);
        for (k, v) in pairs {
            self.str(k);
            self.str(v);
        }
    }
    fn access(&mut self, access: Access) {
        self.u8(match access {
            Access::Deny => 0,
            Access::Host => 1,
        });
    }
    /// A length-prefixed section written by `write`.
    fn section(&mut self, write: impl FnOnce(&mut Writer)) {
        let at = self.0.len();
        self.u32(0);
        write(self);
        let len = (self.0.len() - at - 4) as u32;
        self.0[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
    fn http(&mut self, http: &HttpPolicy) {
        self.u8(match http.access {
            HttpAccess::Deny => 0,
            HttpAccess::Host => 1,
            HttpAccess::Rules => 2,
        });
        self.u8(u8::from(http.host_types));
        http.rules.write(self);
    }
    fn config(&mut self, config: &Config) {
        self.access(config.access);
        self.pairs(&config.values);
        self.strs(&config.allow);
        self.strs(&config.deny);
    }
    fn origin(&mut self, origin: &Origin) {
        self.u8(u8::from(origin.env_host));
        self.strs(&origin.import_allow);
        self.strs(&origin.import_deny);
        self.u32(origin.embedded.len() as u32);
        for e in &origin.embedded {
            match e {
                Embedding::Mount {
                    guest,
                    local,
                    include,
                    exclude,
                } => {
                    self.u8(0);
                    self.str(guest);
                    self.str(local);
                    self.strs(include);
                    self.strs(exclude);
                }
                Embedding::File { guest, local } => {
                    self.u8(1);
                    self.str(guest);
                    self.str(local);
                }
                Embedding::Text { guest } => {
                    self.u8(2);
                    self.str(guest);
                }
            }
        }
        match origin.random_seed {
            None => self.u8(0),
            Some(seed) => {
                self.u8(1);
                self.u64(seed);
            }
        }
        self.strs(&origin.sources);
    }
    fn network(&mut self, net: &Network) {
        self.u8(match net.access {
            NetAccess::Deny => 0,
            NetAccess::Host => 1,
            NetAccess::Rules => 2,
        });
        for rules in [
            &net.tcp_connect,
            &net.tcp_listen,
            &net.udp_send,
            &net.udp_bind,
        ] {
            self.u32(rules.len() as u32);
            for rule in rules {
                self.host(&rule.host);
                self.u16(rule.ports.first);
                self.u16(rule.ports.last);
            }
        }
        self.u32(net.dns.len() as u32);
        for host in &net.dns {
            self.host(host);
        }
    }
    fn ip(&mut self, ip: &IpAddr) {
        match ip {
            IpAddr::V4(v4) => self.0.extend_from_slice(&v4.octets()),
            IpAddr::V6(v6) => self.0.extend_from_slice(&v6.octets()),
        }
    }
    pub(crate) fn host(&mut self, host: &HostPattern) {
        match host {
            HostPattern::Ip(ip) => {
                self.u8(if ip.is_ipv4() { 0 } else { 1 });
                self.ip(ip);
            }
            HostPattern::Cidr { network, prefix } => {
                self.u8(if network.is_ipv4() { 2 } else { 3 });
                self.ip(network);
                self.u8(*prefix);
            }
            HostPattern::Name(name) => {
                self.u8(4);
                self.str(name);
            }
            HostPattern::Subdomains(suffix) => {
                self.u8(5);
                self.str(suffix);
            }
            HostPattern::Any => self.u8(6),
        }
    }
}

/// Reads the encoding's primitives (shared with the HTTP rules' codec, `http/codec.rs`).
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| bad(DecodeError::Truncated))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| bad(DecodeError::Truncated))?;
        self.pos = end;
        Ok(slice)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        let b = self.take(8)?;
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(b);
        Ok(u64::from_le_bytes(bytes))
    }
    /// `0`, or `1` and a u64.
    fn optional_u64(&mut self) -> Result<Option<u64>, Error> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u64()?)),
            t => Err(bad(DecodeError::BadTag(t))),
        }
    }
    /// A 32-byte key.
    fn key(&mut self) -> Result<[u8; 32], Error> {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.take(32)?);
        Ok(key)
    }
    pub(crate) fn str(&mut self) -> Result<String, Error> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        #[cfg(not(feature = "trap"))]
        return core::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| bad(DecodeError::BadUtf8));
        // The adapter reads only the bytes the compiler wrote into its own data segment, from
        // `String`s ([`Writer::str`]); nothing else writes there (the component's memory is
        // another), so checking them again would only ship a UTF-8 validator (~0.7 KB).
        #[cfg(feature = "trap")]
        #[allow(unsafe_code)]
        // SAFETY: see above: these bytes were a `str` when the compiler encoded them.
        Ok(unsafe { core::str::from_utf8_unchecked(b) }.to_owned())
    }
    fn strs(&mut self) -> Result<Vec<String>, Error> {
        let n = self.u32()?;
        // Cap the preallocation: a corrupt count must not allocate gigabytes.
        let mut out = Vec::with_capacity((n as usize).min(64));
        for _ in 0..n {
            out.push(self.str()?);
        }
        Ok(out)
    }
    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    /// Skips a length-prefixed section and returns where it lies.
    fn section(&mut self) -> Result<Range<usize>, Error> {
        let len = self.u32()? as usize;
        let start = self.pos;
        self.take(len)?;
        Ok(start..self.pos)
    }
    fn http(&mut self) -> Result<HttpPolicy, Error> {
        let access = match self.u8()? {
            0 => HttpAccess::Deny,
            1 => HttpAccess::Host,
            2 => HttpAccess::Rules,
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        let host_types = self.flag()?;
        let rules = HttpRules::read(self)?;
        Ok(HttpPolicy {
            access,
            rules,
            host_types,
        })
    }
    fn flag(&mut self) -> Result<bool, Error> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            t => Err(bad(DecodeError::BadTag(t))),
        }
    }
    fn access(&mut self) -> Result<Access, Error> {
        match self.u8()? {
            0 => Ok(Access::Deny),
            1 => Ok(Access::Host),
            t => Err(bad(DecodeError::BadTag(t))),
        }
    }
    /// `(key, value)` pairs, counted.
    fn pairs(&mut self) -> Result<Vec<(String, String)>, Error> {
        let n = self.u32()?;
        // Cap the preallocation: a corrupt count must not allocate gigabytes.
        let mut out = Vec::with_capacity((n as usize).min(64));
        for _ in 0..n {
            out.push((self.str()?, self.str()?));
        }
        Ok(out)
    }
    fn origin(&mut self) -> Result<Origin, Error> {
        let env_host = self.flag()?;
        let import_allow = self.strs()?;
        let import_deny = self.strs()?;
        let n = self.u32()?;
        let mut embedded = Vec::with_capacity((n as usize).min(64));
        for _ in 0..n {
            embedded.push(match self.u8()? {
                0 => Embedding::Mount {
                    guest: self.str()?,
                    local: self.str()?,
                    include: self.strs()?,
                    exclude: self.strs()?,
                },
                1 => Embedding::File {
                    guest: self.str()?,
                    local: self.str()?,
                },
                2 => Embedding::Text { guest: self.str()? },
                t => return Err(bad(DecodeError::BadTag(t))),
            });
        }
        let random_seed = match self.u8()? {
            0 => None,
            1 => Some(self.u64()?),
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        let sources = self.strs()?;
        Ok(Origin {
            env_host,
            import_allow,
            import_deny,
            embedded,
            random_seed,
            sources,
        })
    }
    fn config(&mut self) -> Result<Config, Error> {
        Ok(Config {
            access: self.access()?,
            values: self.pairs()?,
            allow: self.strs()?,
            deny: self.strs()?,
        })
    }
    fn network(&mut self) -> Result<Network, Error> {
        let access = match self.u8()? {
            0 => NetAccess::Deny,
            1 => NetAccess::Host,
            2 => NetAccess::Rules,
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        let mut lists: [Vec<AddrPattern>; 4] = Default::default();
        for list in &mut lists {
            let n = self.u32()?;
            for _ in 0..n {
                let host = self.host()?;
                let ports = Ports {
                    first: self.u16()?,
                    last: self.u16()?,
                };
                list.push(AddrPattern { host, ports });
            }
        }
        let n = self.u32()?;
        let mut dns = Vec::new();
        for _ in 0..n {
            dns.push(self.host()?);
        }
        let [tcp_connect, tcp_listen, udp_send, udp_bind] = lists;
        Ok(Network {
            access,
            tcp_connect,
            tcp_listen,
            udp_send,
            udp_bind,
            dns,
        })
    }
    fn ipv4(&mut self) -> Result<IpAddr, Error> {
        let b = self.take(4)?;
        Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
    }
    fn ipv6(&mut self) -> Result<IpAddr, Error> {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(self.take(16)?);
        Ok(IpAddr::V6(Ipv6Addr::from(octets)))
    }
    pub(crate) fn host(&mut self) -> Result<HostPattern, Error> {
        Ok(match self.u8()? {
            0 => HostPattern::Ip(self.ipv4()?),
            1 => HostPattern::Ip(self.ipv6()?),
            2 => HostPattern::Cidr {
                network: self.ipv4()?,
                prefix: self.u8()?,
            },
            3 => HostPattern::Cidr {
                network: self.ipv6()?,
                prefix: self.u8()?,
            },
            4 => HostPattern::Name(self.str()?),
            5 => HostPattern::Subdomains(self.str()?),
            6 => HostPattern::Any,
            t => return Err(bad(DecodeError::BadTag(t))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Side;

    fn sample() -> Policy {
        Policy {
            env: Environment {
                vars: vec![("PONG".into(), "demo".into()), ("EMPTY".into(), "".into())],
                allow: vec!["HOME".into(), "LANG_*".into()],
                deny: vec!["SECRET_*".into()],
                args: Args::Fixed(vec!["prog".into(), "ünï".into()]),
                cwd: Some("/".into()),
            },
            stdio: Stdio {
                stdin: StreamMode::Ignore,
                stdout: StreamMode::Host,
                stderr: StreamMode::Deny,
            },
            random: Access::Host,
            clocks: Access::Deny,
            exit: Access::Host,
            fs: Access::Deny,
            files: Files {
                preopens: vec![
                    Preopen {
                        guest: "/".into(),
                        source: PreopenSource::Embedded { node: 0 },
                    },
                    Preopen {
                        guest: "/data".into(),
                        source: PreopenSource::Host {
                            host: "/srv/data".into(),
                            readonly: true,
                        },
                    },
                    Preopen {
                        guest: "/tmp".into(),
                        source: PreopenSource::Memory {
                            node: None,
                            limit: Some(64 << 20),
                        },
                    },
                    Preopen {
                        guest: "/work".into(),
                        source: PreopenSource::Memory {
                            node: Some(3),
                            limit: None,
                        },
                    },
                ],
                host_files: vec![HostFile {
                    dir: "/etc".into(),
                    name: "hosts".into(),
                    readonly: true,
                }],
                image: b"VIMG-not-checked-here".to_vec().into(),
            },
            net: Network {
                access: NetAccess::Rules,
                tcp_connect: vec![
                    AddrPattern::parse("db.internal:5432", Side::Remote).unwrap(),
                    AddrPattern::parse("[fd00::]/8:8000-8999", Side::Remote).unwrap(),
                ],
                tcp_listen: vec![AddrPattern::parse("127.0.0.1:0", Side::Local).unwrap()],
                udp_send: vec![AddrPattern::parse("*.example.com:53", Side::Remote).unwrap()],
                udp_bind: vec![AddrPattern::parse("[::1]:*", Side::Local).unwrap()],
                dns: vec![
                    HostPattern::Any,
                    HostPattern::parse_name("10.0.0.0/8").unwrap_or(HostPattern::Cidr {
                        network: "10.0.0.0".parse().unwrap(),
                        prefix: 8,
                    }),
                ],
            },
            http: HttpPolicy {
                host_types: true,
                access: HttpAccess::Rules,
                rules: HttpRules {
                    allow: vec![
                        crate::http::UrlRule::parse("GET,HEAD https://api.example.com/v1/**")
                            .unwrap()
                            .0,
                        crate::http::UrlRule::parse("http://[::1]:8000-8999")
                            .unwrap()
                            .0,
                    ],
                    deny: vec![
                        crate::http::UrlRule::parse("*://*.example.com/admin/**")
                            .unwrap()
                            .0,
                    ],
                },
            },
            config: Config {
                access: Access::Deny,
                values: vec![
                    ("a".into(), "1".into()),
                    ("log-level".into(), "debug".into()),
                ],
                allow: vec!["APP_*".into()],
                deny: vec!["APP_SECRET".into()],
            },
            origin: Origin {
                env_host: true,
                import_allow: vec!["wasi:keyvalue/*".into()],
                import_deny: vec!["wasi:nn/*".into(), "x:y/z".into()],
                embedded: vec![
                    Embedding::Mount {
                        guest: "/".into(),
                        local: "./dir".into(),
                        include: vec!["**/*.txt".into()],
                        exclude: vec![],
                    },
                    Embedding::File {
                        guest: "/etc/app.toml".into(),
                        local: "../conf/app.toml".into(),
                    },
                    Embedding::Text {
                        guest: "/motd".into(),
                    },
                ],
                random_seed: Some(42),
                sources: vec!["app.virt".into(), "../shared/base.virt".into()],
            },
            trace: Trace::Sink,
            clock_mode: ClockMode::Fixed {
                seconds: 1_767_225_600,
                nanoseconds: 5,
            },
            random_seed: Some(RandomSeed {
                random: [1; 32],
                insecure: [2; 32],
                insecure_seed: [3; 32],
            }),
        }
    }

    #[test]
    fn round_trips() {
        let p = sample();
        assert_eq!(Policy::decode(&p.encode()).unwrap(), p);
        let d = Policy::default();
        assert_eq!(Policy::decode(&d.encode()).unwrap(), d);
        let mut h = sample();
        h.env.args = Args::Host;
        h.env.cwd = None;
        h.trace = Trace::Stderr;
        h.clock_mode = ClockMode::Resolution { ns: 1_000_000 };
        h.random_seed = None;
        assert_eq!(Policy::decode(&h.encode()).unwrap(), h);
    }

    #[test]
    fn rejects_corruption() {
        let bytes = sample().encode();
        assert_eq!(Policy::decode(b"XXXX"), Err(bad(DecodeError::BadMagic)));
        for cut in 0..bytes.len() {
            assert!(
                Policy::decode(&bytes[..cut]).is_err(),
                "prefix {cut} decoded"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(Policy::decode(&long), Err(bad(DecodeError::TrailingBytes)));
        let (lazy, sections) = Policy::decode_core(&bytes).unwrap();
        assert!(lazy.files.image.is_empty());
        assert_eq!(lazy.net, Network::default());
        assert_eq!(&bytes[sections.image.clone()], b"VIMG-not-checked-here");
        assert_eq!(sections.image.start % 8, 0);
        let whole = sample();
        assert_eq!(sections.net(&bytes).unwrap(), whole.net);
        assert_eq!(sections.http(&bytes).unwrap(), whole.http);
        assert_eq!(sections.config(&bytes).unwrap(), whole.config);
        assert_eq!(lazy.origin, Origin::default());
        assert_eq!(sections.origin(&bytes).unwrap(), whole.origin);
        let mut v2 = bytes;
        v2[4] = 9;
        assert_eq!(
            Policy::decode(&v2),
            Err(bad(DecodeError::UnsupportedVersion(9)))
        );
    }
}
