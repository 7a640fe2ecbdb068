//! Builds the file system a policy describes: walks `mount`ed directories (include/exclude
//! globs applied, symbolic links kept only when they stay inside the mount), reads `file`s, lays
//! everything out as one embedded image, and lists the preopens the adapter serves. Problems
//! found on disk become diagnostics on the statement that named the path.

mod mount;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use virtc_policy::image::{Appended, BuildError, ImageBuilder, NodeId};
use virtc_policy::{Files, Preopen, PreopenSource};

use crate::diagnostic::Diagnostic;
use crate::ir::{FileIr, FileSource, Place, PolicyIr};

/// One embedded file, for `virtc compile --report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEntry {
    pub guest: String,
    /// `None` for inline text.
    pub host: Option<PathBuf>,
    pub bytes: u64,
    /// The link target, for symbolic links.
    pub link: Option<String>,
}

/// The result of embedding.
#[derive(Debug, Default)]
pub struct Embedded {
    pub files: Files,
    pub report: Vec<ReportEntry>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Progress while embedding: files and bytes so far.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub files: u64,
    pub bytes: u64,
}

/// Embeds what `ir` names. `progress` is called now and then while files are read.
pub fn embed(ir: &PolicyIr, progress: &mut dyn FnMut(Progress)) -> Embedded {
    let mut e = Embedder {
        builder: ImageBuilder::new(),
        root: None,
        root_path: Vec::new(),
        owners: HashMap::new(),
        out: Embedded::default(),
        progress,
        count: Progress { files: 0, bytes: 0 },
    };
    let anchors: Vec<Vec<String>> = ir
        .mounts
        .iter()
        .map(|m| components(&m.guest))
        .chain(ir.files.iter().map(|f| {
            let mut c = components(&f.guest);
            c.pop();
            c
        }))
        .collect();
    if let Some(first) = anchors.first() {
        let mut common = first.clone();
        for a in &anchors[1..] {
            let n = common.iter().zip(a).take_while(|(x, y)| x == y).count();
            common.truncate(n);
        }
        e.root_path = common;
        e.root = Some(e.builder.root());
    }
    for mount in &ir.mounts {
        e.mount(mount);
    }
    for file in &ir.files {
        e.file(file);
    }
    // Writable mounts: their trees, writable in memory from their root directories.
    let writable: Vec<(String, Option<NodeId>, Option<u64>)> = ir
        .mounts
        .iter()
        .filter_map(|m| {
            let limit = m.writable?.limit;
            Some((m.guest.clone(), e.dir(&components(&m.guest), m.at), limit))
        })
        .collect();
    let tmpfs = e.tmpfs(ir);
    let root_guest = format!("/{}", e.root_path.join("/"));
    for p in &ir.preopens {
        if e.root.is_some() && p.guest == root_guest {
            e.out.diagnostics.push(
                Diagnostic::error(
                    "V0061",
                    format!("`{}` is both embedded and a host directory", p.guest),
                )
                .primary(p.at.file, p.at.span, "this host directory…")
                .help(format!(
                    "embedded files are served at `{root_guest}`; give the host directory another guest path"
                )),
            );
        }
    }
    let Embedder {
        builder, root, out, ..
    } = e;
    let mut out = out;
    if let Some(root) = root {
        match builder.finish_bytes() {
            Ok((image, index)) => {
                out.files.image = image;
                // A writable mount at the tree's root is the root's only preopen.
                if !writable.iter().any(|(guest, _, _)| *guest == root_guest) {
                    out.files.preopens.push(Preopen {
                        guest: root_guest,
                        source: PreopenSource::Embedded { node: index[root] },
                    });
                }
                for (guest, node, limit) in writable
                    .into_iter()
                    .chain(tmpfs.iter().filter(|(_, node, _)| node.is_some()).cloned())
                {
                    out.files.preopens.push(Preopen {
                        guest,
                        source: PreopenSource::Memory {
                            node: node.and_then(|n| index.get(n).copied()),
                            limit,
                        },
                    });
                }
            }
            Err(_) => out.diagnostics.push(Diagnostic::error(
                "V0058",
                "the embedded files exceed 4 GiB, the most a component's memory can hold",
            )),
        }
    }
    for p in &ir.preopens {
        out.files.preopens.push(Preopen {
            guest: p.guest.clone(),
            source: PreopenSource::Host {
                host: p.host.display().to_string(),
                readonly: p.readonly,
            },
        });
    }
    for (guest, _, limit) in tmpfs.into_iter().filter(|(_, node, _)| node.is_none()) {
        out.files.preopens.push(Preopen {
            guest,
            source: PreopenSource::Memory { node: None, limit },
        });
    }
    out
}

fn components(guest: &str) -> Vec<String> {
    guest
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

struct Embedder<'a> {
    builder: ImageBuilder,
    root: Option<NodeId>,
    root_path: Vec<String>,
    /// Which statement (and host file) put something at each guest path.
    owners: HashMap<String, (Place, Option<PathBuf>)>,
    out: Embedded,
    progress: &'a mut dyn FnMut(Progress),
    count: Progress,
}

impl Embedder<'_> {
    /// The directory node for a guest path (components below the image root), created as
    /// needed; `None` (reported) when a file is in the way.
    fn dir(&mut self, guest: &[String], at: Place) -> Option<NodeId> {
        let mut node = self.root?;
        let relative = &guest[self.root_path.len()..];
        for (i, part) in relative.iter().enumerate() {
            match self.builder.dir(node, part) {
                Ok(next) => node = next,
                Err(_) => {
                    let path = format!("/{}", guest[..self.root_path.len() + i + 1].join("/"));
                    self.conflict(&path, at, None, "a file, and a directory is needed here");
                    return None;
                }
            }
        }
        Some(node)
    }

    /// The tmpfs directories to preopen: each is an empty directory of the embedded tree too when
    /// it lies inside it (so listing its parent shows it), at a path nothing else uses, with
    /// nothing mounted inside it.
    fn tmpfs(&mut self, ir: &PolicyIr) -> Vec<(String, Option<NodeId>, Option<u64>)> {
        let mut out = Vec::new();
        for t in &ir.tmpfs {
            let inside = |path: &str| {
                t.guest == "/" && path != "/"
                    || path
                        .strip_prefix(t.guest.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            };
            let others = ir
                .mounts
                .iter()
                .map(|m| (m.guest.as_str(), m.at, "mounted"))
                .chain(ir.files.iter().map(|f| (f.guest.as_str(), f.at, "a file")))
                .chain(
                    ir.preopens
                        .iter()
                        .map(|p| (p.guest.as_str(), p.at, "preopened")),
                )
                .chain(
                    ir.tmpfs
                        .iter()
                        .filter(|o| !std::ptr::eq(*o, t))
                        .map(|o| (o.guest.as_str(), o.at, "another tmpfs")),
                );
            let mut clash = None;
            for (path, at, what) in others {
                if path == t.guest {
                    clash = Some((at, format!("`{path}` is also {what} here")));
                    break;
                }
                if inside(path) {
                    clash = Some((at, format!("`{path}`, {what} here, is inside the tmpfs")));
                    break;
                }
            }
            let guest = components(&t.guest);
            let in_tree = self.root.is_some() && guest.starts_with(&self.root_path);
            if clash.is_none() && in_tree {
                // A path the tree already has (a mount's file or directory) is taken.
                let mut node = self.root;
                for part in &guest[self.root_path.len()..] {
                    node = node.and_then(|n| self.builder.child(n, part));
                }
                if node.is_some() {
                    // The mount whose tree holds it (the longest guest path above it).
                    let owner = ir
                        .mounts
                        .iter()
                        .filter(|m| m.guest == "/" || t.guest.starts_with(&format!("{}/", m.guest)))
                        .max_by_key(|m| m.guest.len());
                    let at = owner.map_or(t.at, |m| m.at);
                    clash = Some((at, format!("this mount already has `{}`", t.guest)));
                }
            }
            if let Some((other, why)) = clash {
                self.out.diagnostics.push(
                    Diagnostic::error("V0063", format!("the tmpfs `{}` overlaps other files", t.guest))
                        .primary(t.guest_at.file, t.guest_at.span, "this tmpfs…")
                        .secondary(other.file, other.span, why)
                        .help("a tmpfs takes a guest path nothing else uses, and nothing is mounted inside it"),
                );
                continue;
            }
            // Inside the tree, the tmpfs starts as an empty directory of it, so that the
            // adapter can reach it from the tree's descriptors too.
            let node = if in_tree {
                self.dir(&guest, t.at)
            } else {
                None
            };
            out.push((t.guest.clone(), node, t.limit));
        }
        out
    }

    fn conflict(&mut self, guest: &str, at: Place, host: Option<&Path>, what: &str) {
        let from = |h: Option<&Path>| h.map(|h| format!(" ({})", h.display())).unwrap_or_default();
        let mut d = Diagnostic::error(
            "V0052",
            format!("two statements put different contents at `{guest}`"),
        )
        .primary(
            at.file,
            at.span,
            format!("this puts `{guest}`{}…", from(host)),
        );
        if let Some((owner, owner_host)) = self.owners.get(guest) {
            d = d.secondary(
                owner.file,
                owner.span,
                format!("…where this put {what}{}", from(owner_host.as_deref())),
            );
        }
        self.out.diagnostics.push(
            d.help("give one of them another guest path, or exclude the file from the mount"),
        );
    }

    fn tick(&mut self, bytes: u64) {
        self.count.files += 1;
        self.count.bytes += bytes;
        if self.count.files.is_multiple_of(256) {
            (self.progress)(self.count);
        }
    }

    fn add_file(
        &mut self,
        dir: NodeId,
        guest: &[String],
        contents: Appended,
        host: Option<PathBuf>,
        at: Place,
    ) {
        let name = guest.last().expect("a file has a name");
        let path = format!("/{}", guest.join("/"));
        let bytes = self.builder.appended(&contents).len() as u64;
        if let Some(existing) = self.builder.child(dir, name) {
            let same =
                self.builder.file_contents(existing) == Some(self.builder.appended(&contents));
            self.builder.discard(contents);
            if !same {
                let what = if self.builder.is_dir(existing) {
                    "a directory"
                } else {
                    "other contents"
                };
                self.conflict(&path, at, host.as_deref(), what);
            }
            return;
        }
        match self.builder.file_from(dir, name, contents) {
            Ok(_) => {
                self.owners.insert(path.clone(), (at, host.clone()));
                self.out.report.push(ReportEntry {
                    guest: path,
                    host,
                    bytes,
                    link: None,
                });
                self.tick(bytes);
            }
            Err(BuildError::Exists | BuildError::NotADirectory | BuildError::TooLarge) => {
                self.conflict(&path, at, host.as_deref(), "something else");
            }
        }
    }

    fn file(&mut self, file: &FileIr) {
        let guest = components(&file.guest);
        if let FileSource::Runtime { path, readonly } = &file.source {
            self.host_file(file, &guest, path, *readonly);
            return;
        }
        let contents = match &file.source {
            FileSource::Text(text) => {
                let appended = self.builder.append_with(|buffer| {
                    buffer.extend_from_slice(text.as_bytes());
                    Ok::<(), std::convert::Infallible>(())
                });
                let Ok(appended) = appended;
                appended
            }
            FileSource::Runtime { .. } => unreachable!("handled above"),
            FileSource::Host { path, .. } => match read_regular(&mut self.builder, path) {
                Ok(bytes) => bytes,
                Err(why) => {
                    self.out.diagnostics.push(
                        Diagnostic::error(
                            "V0051",
                            format!("cannot embed `{}`: {why}", path.display()),
                        )
                        .primary(
                            file.source_at.file,
                            file.source_at.span,
                            format!("{why}: {}", path.display()),
                        ),
                    );
                    return;
                }
            },
        };
        let host = match &file.source {
            FileSource::Host { path: p, .. } | FileSource::Runtime { path: p, .. } => {
                Some(p.clone())
            }
            FileSource::Text(_) => None,
        };
        let Some(dir) = self.dir(&guest[..guest.len() - 1], file.at) else {
            self.builder.discard(contents);
            return;
        };
        self.add_file(dir, &guest, contents, host, file.at);
    }

    /// A host file served at run time: a node pointing at a host-files entry.
    fn host_file(&mut self, file: &FileIr, guest: &[String], path: &Path, readonly: bool) {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        let Some(parent) = self.dir(&guest[..guest.len() - 1], file.at) else {
            return;
        };
        let guest_path = format!("/{}", guest.join("/"));
        let name_in_guest = guest.last().expect("a file has a name");
        let index = self.out.files.host_files.len() as u32;
        if self.builder.child(parent, name_in_guest).is_some()
            || self
                .builder
                .host_file(parent, name_in_guest, index)
                .is_err()
        {
            self.conflict(&guest_path, file.at, Some(path), "something else");
            return;
        }
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            self.out.diagnostics.push(
                Diagnostic::warning(
                    "V0060",
                    format!("`{}` is a symbolic link on this machine", path.display()),
                )
                .primary(file.source_at.file, file.source_at.span, "a link")
                .help(format!(
                    "at run time the host follows it only inside `{}`; a link leading elsewhere cannot be opened",
                    dir.display()
                )),
            );
        }
        self.out.files.host_files.push(virtc_policy::HostFile {
            dir: dir.display().to_string(),
            name: name.to_string_lossy().into_owned(),
            readonly,
        });
        self.owners
            .insert(guest_path.clone(), (file.at, Some(path.to_path_buf())));
        self.out.report.push(ReportEntry {
            guest: guest_path,
            host: Some(path.to_path_buf()),
            bytes: 0,
            link: None,
        });
    }
}

/// Reads a regular file (following links the user named explicitly) straight into the image's
/// contents, so that its bytes are held once.
fn read_regular(builder: &mut ImageBuilder, path: &Path) -> Result<Appended, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| crate::io_error_text(&e))?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let mut file = std::fs::File::open(path).map_err(|e| crate::io_error_text(&e))?;
    builder
        .append_with(|buffer| {
            buffer.reserve(usize::try_from(meta.len()).unwrap_or(0));
            file.read_to_end(buffer).map(|_| ())
        })
        .map_err(|e| crate::io_error_text(&e))
}
