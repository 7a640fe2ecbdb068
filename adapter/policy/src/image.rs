//! Embedded read-only file trees: the format the compiler writes and the adapter reads in place,
//! without copying or parsing it up front.
//!
//! Layout (all integers little-endian `u32`, offsets relative to the start of the image):
//!
//! ```text
//! "VIMG" | version | node_count | node records (NODE_SIZE bytes each) | names | contents
//! node record: kind | parent | name_off | name_len | a | b
//!   directory: a = index of its first child, b = number of children (children are consecutive
//!              and sorted by name bytes, so lookups are binary searches)
//!   file:      a = offset of its contents, b = their length
//!   symlink:   a = offset of its target, b = its length
//!   host file: a = index into `Files::host_files` (a host file served at run time), b = 0
//! ```
//!
//! A root directory is its own parent. Lookups cost O(depth × log entries).

mod build;

pub use build::{Appended, BuildError, ImageBuilder, ImageBytes, NodeId};

const MAGIC: &[u8; 4] = b"VIMG";
const VERSION: u32 = 2;
const HEADER: usize = 12;
/// Bytes per node record.
pub const NODE_SIZE: usize = 24;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Directory,
    File,
    Symlink,
    /// A file of the host, opened at run time ([`Image::host_file`] says which).
    HostFile,
}

impl Kind {
    fn code(self) -> u32 {
        match self {
            Kind::Directory => 0,
            Kind::File => 1,
            Kind::Symlink => 2,
            Kind::HostFile => 3,
        }
    }
}

/// Why bytes are not an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadImage;

/// A read-only view of an image.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    bytes: &'a [u8],
    nodes: u32,
}

/// One node of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node<'a> {
    pub index: u32,
    pub kind: Kind,
    pub parent: u32,
    pub name: &'a [u8],
    a: u32,
    b: u32,
}

impl<'a> Image<'a> {
    /// Checks the header and every record's bounds once, so later accesses cannot fail.
    pub fn new(bytes: &'a [u8]) -> Result<Image<'a>, BadImage> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC || read_u32(bytes, 4) != Some(VERSION) {
            return Err(BadImage);
        }
        let nodes = read_u32(bytes, 8).ok_or(BadImage)?;
        let table_end = (nodes as usize)
            .checked_mul(NODE_SIZE)
            .and_then(|n| n.checked_add(HEADER))
            .ok_or(BadImage)?;
        if table_end > bytes.len() {
            return Err(BadImage);
        }
        let image = Image { bytes, nodes };
        for i in 0..nodes {
            let raw = image.raw(i);
            let in_bounds = |off: u32, len: u32| {
                (off as usize)
                    .checked_add(len as usize)
                    .is_some_and(|end| end <= bytes.len())
            };
            let ok = raw[1] < nodes
                && in_bounds(raw[2], raw[3])
                && match raw[0] {
                    0 => raw[4].checked_add(raw[5]).is_some_and(|end| end <= nodes),
                    1 | 2 => in_bounds(raw[4], raw[5]),
                    3 => raw[5] == 0,
                    _ => false,
                };
            if !ok {
                return Err(BadImage);
            }
        }
        Ok(image)
    }

    /// An image with no nodes.
    pub fn empty() -> Image<'static> {
        Image {
            bytes: &[],
            nodes: 0,
        }
    }

    pub fn len(&self) -> u32 {
        self.nodes
    }

    pub fn is_empty(&self) -> bool {
        self.nodes == 0
    }

    fn raw(&self, index: u32) -> [u32; 6] {
        let base = HEADER + index as usize * NODE_SIZE;
        let mut out = [0u32; 6];
        for (k, slot) in out.iter_mut().enumerate() {
            *slot = read_u32(self.bytes, base + 4 * k).unwrap_or(0);
        }
        out
    }

    /// The node at `index` (which must be `< len()`).
    pub fn node(&self, index: u32) -> Node<'a> {
        let raw = self.raw(index);
        let kind = match raw[0] {
            0 => Kind::Directory,
            1 => Kind::File,
            2 => Kind::Symlink,
            _ => Kind::HostFile,
        };
        Node {
            index,
            kind,
            parent: raw[1],
            name: &self.bytes[raw[2] as usize..(raw[2] + raw[3]) as usize],
            a: raw[4],
            b: raw[5],
        }
    }

    /// The children of a directory, in name order (empty for other nodes).
    pub fn children(&self, dir: u32) -> impl Iterator<Item = Node<'a>> + '_ {
        let node = self.node(dir);
        let range = match node.kind {
            Kind::Directory => node.a..node.a + node.b,
            _ => 0..0,
        };
        range.map(move |i| self.node(i))
    }

    /// The child of `dir` called `name`, by binary search.
    pub fn lookup(&self, dir: u32, name: &[u8]) -> Option<Node<'a>> {
        let node = self.node(dir);
        if node.kind != Kind::Directory {
            return None;
        }
        let (mut lo, mut hi) = (node.a, node.a + node.b);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let candidate = self.node(mid);
            match candidate.name.cmp(name) {
                core::cmp::Ordering::Equal => return Some(candidate),
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// A file's contents or a symlink's target (empty for directories and host files).
    pub fn data(&self, node: &Node<'a>) -> &'a [u8] {
        match node.kind {
            Kind::Directory | Kind::HostFile => &[],
            _ => &self.bytes[node.a as usize..(node.a + node.b) as usize],
        }
    }

    /// For a host file node, its index in `Files::host_files`.
    pub fn host_file(&self, node: &Node<'a>) -> Option<u32> {
        (node.kind == Kind::HostFile).then_some(node.a)
    }
}

impl Node<'_> {
    /// Bytes of a file, length of a link target, number of entries of a directory.
    pub fn size(&self) -> u64 {
        self.b as u64
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn builds_and_reads_a_tree() {
        let mut b = ImageBuilder::new();
        let root = b.root();
        let etc = b.dir(root, "etc").unwrap();
        b.file(etc, "motd", b"hello").unwrap();
        b.file(etc, "app.toml", b"x = 1").unwrap();
        b.symlink(etc, "link", "motd").unwrap();
        b.file(root, "z", Vec::new()).unwrap();
        b.host_file(root, "hosts", 3).unwrap();
        assert_eq!(b.dir(etc, "motd"), Err(BuildError::Exists));
        assert_eq!(b.file(etc, "motd", vec![]), Err(BuildError::Exists));
        let (bytes, index) = b.finish().unwrap();
        let image = Image::new(&bytes).unwrap();
        assert_eq!(image.len(), 7);
        let hosts = image.lookup(index[root], b"hosts").unwrap();
        assert_eq!(
            (hosts.kind, image.host_file(&hosts)),
            (Kind::HostFile, Some(3))
        );
        assert!(image.data(&hosts).is_empty());
        let root = index[root];
        assert_eq!(image.node(root).parent, root);
        let names: Vec<&[u8]> = image.children(root).map(|n| n.name).collect();
        assert_eq!(names, [b"etc".as_slice(), b"hosts", b"z"]);
        let etc = image.lookup(root, b"etc").unwrap();
        assert_eq!(etc.kind, Kind::Directory);
        assert_eq!(etc.parent, root);
        let names: Vec<&[u8]> = image.children(etc.index).map(|n| n.name).collect();
        assert_eq!(names, [b"app.toml".as_slice(), b"link", b"motd"]);
        let motd = image.lookup(etc.index, b"motd").unwrap();
        assert_eq!(image.data(&motd), b"hello");
        assert_eq!(motd.size(), 5);
        let link = image.lookup(etc.index, b"link").unwrap();
        assert_eq!(
            (link.kind, image.data(&link)),
            (Kind::Symlink, b"motd".as_slice())
        );
        assert!(image.lookup(etc.index, b"missing").is_none());
        assert!(image.lookup(motd.index, b"x").is_none());
    }

    #[test]
    fn rejects_corrupt_images() {
        let mut b = ImageBuilder::new();
        let root = b.root();
        b.file(root, "f", b"data").unwrap();
        let (bytes, _) = b.finish().unwrap();
        for cut in 0..bytes.len() {
            // Truncations either fail to parse or still only reach in-bounds data.
            if let Ok(image) = Image::new(&bytes[..cut]) {
                for i in 0..image.len() {
                    let node = image.node(i);
                    let _ = image.data(&node);
                }
            }
        }
        let mut bad = bytes.clone();
        bad[HEADER + 8] = 0xff; // a name offset far out of bounds
        assert_eq!(Image::new(&bad).unwrap_err(), BadImage);
        assert!(Image::new(b"nope").is_err());
    }

    #[test]
    fn lookups_are_binary_searches_over_many_entries() {
        let mut b = ImageBuilder::new();
        let root = b.root();
        for i in 0..1000 {
            b.file(root, &format!("f{i:04}"), vec![i as u8]).unwrap();
        }
        let (bytes, index) = b.finish().unwrap();
        let image = Image::new(&bytes).unwrap();
        let f = image.lookup(index[root], b"f0777").unwrap();
        assert_eq!(image.data(&f), &[(777 % 256) as u8]);
    }
}
