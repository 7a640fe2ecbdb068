//! Lays an image out for the compiler: nodes added under parents, file contents appended to one
//! buffer as they are read, and the result kept as two shared parts (head and contents) so that
//! a large tree is never copied on its way into the output.

use crate::prelude::*;

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::ops::Range;

use super::{HEADER, Kind, MAGIC, NODE_SIZE, VERSION};

/// An image's bytes as the compiler holds them: its head (header, node records, names, link
/// targets) and the contents of its files, apart and shared. Cloning is cheap, and the contents
/// are never concatenated to the head unless asked ([`ImageBytes::to_vec`]): the compiler writes
/// the two parts into its output one after the other.
#[derive(Clone, Default)]
pub struct ImageBytes(Option<Arc<[Vec<u8>; 2]>>);

impl ImageBytes {
    /// The image whose bytes are `head` followed by `contents`.
    pub fn new(head: Vec<u8>, contents: Vec<u8>) -> ImageBytes {
        if head.is_empty() && contents.is_empty() {
            return ImageBytes(None);
        }
        ImageBytes(Some(Arc::new([head, contents])))
    }

    /// Its two parts, in order.
    pub fn parts(&self) -> [&[u8]; 2] {
        match &self.0 {
            Some(parts) => [&parts[0], &parts[1]],
            None => [&[], &[]],
        }
    }

    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The bytes in one piece: borrowed when one part is empty (as for a decoded image).
    pub fn contiguous(&self) -> Cow<'_, [u8]> {
        match self.parts() {
            [head, []] => Cow::Borrowed(head),
            [[], contents] => Cow::Borrowed(contents),
            _ => Cow::Owned(self.to_vec()),
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.parts().concat()
    }

    fn bytes(&self) -> impl Iterator<Item = &u8> {
        let [head, contents] = self.parts();
        head.iter().chain(contents)
    }
}

impl From<Vec<u8>> for ImageBytes {
    fn from(bytes: Vec<u8>) -> ImageBytes {
        ImageBytes::new(bytes, Vec::new())
    }
}

/// Equal bytes, however they are split.
impl PartialEq for ImageBytes {
    fn eq(&self, other: &ImageBytes) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}

impl Eq for ImageBytes {}

impl core::hash::Hash for ImageBytes {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for part in self.parts() {
            state.write(part);
        }
    }
}

/// Its length only: an image may be gigabytes.
impl core::fmt::Debug for ImageBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ImageBytes({} bytes)", self.len())
    }
}

/// Builds an image. Nodes are added under parents; [`ImageBuilder::finish_bytes`] lays them
/// out. File contents go to one buffer as they are added ([`ImageBuilder::append_with`] reads
/// them straight into it), which becomes the image's contents part without a copy.
#[derive(Debug, Default)]
pub struct ImageBuilder {
    entries: Vec<Entry>,
    contents: Vec<u8>,
}

#[derive(Debug)]
struct Entry {
    name: String,
    parent: usize,
    content: Content,
}

#[derive(Debug)]
enum Content {
    Directory(BTreeMap<Vec<u8>, usize>),
    /// Where its bytes lie in the builder's contents.
    File(Range<usize>),
    Symlink(String),
    HostFile(u32),
}

/// A node of an image under construction.
pub type NodeId = usize;

/// Contents appended to a builder, not yet a file's ([`ImageBuilder::file_from`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended(Range<usize>);

/// Why a node cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// The parent is not a directory.
    NotADirectory,
    /// A node of another kind (or a file) already has that name.
    Exists,
    /// The image would exceed 4 GiB.
    TooLarge,
}

impl ImageBuilder {
    pub fn new() -> ImageBuilder {
        ImageBuilder::default()
    }

    /// Adds a root directory (one per virtual preopen).
    pub fn root(&mut self) -> NodeId {
        let id = self.entries.len();
        self.entries.push(Entry {
            name: String::new(),
            parent: id,
            content: Content::Directory(BTreeMap::new()),
        });
        id
    }

    /// The child `name` of `dir`, if any.
    pub fn child(&self, dir: NodeId, name: &str) -> Option<NodeId> {
        match &self.entries[dir].content {
            Content::Directory(children) => children.get(name.as_bytes()).copied(),
            _ => None,
        }
    }

    /// Whether `node` is a directory.
    pub fn is_dir(&self, node: NodeId) -> bool {
        matches!(self.entries[node].content, Content::Directory(_))
    }

    /// The contents of a file node.
    pub fn file_contents(&self, node: NodeId) -> Option<&[u8]> {
        match &self.entries[node].content {
            Content::File(range) => Some(&self.contents[range.clone()]),
            _ => None,
        }
    }

    /// The directory `name` under `dir`, created if missing.
    pub fn dir(&mut self, dir: NodeId, name: &str) -> Result<NodeId, BuildError> {
        if let Some(existing) = self.child(dir, name) {
            return if self.is_dir(existing) {
                Ok(existing)
            } else {
                Err(BuildError::Exists)
            };
        }
        self.add(dir, name, Content::Directory(BTreeMap::new()))
    }

    /// A file `name` under `dir` holding `contents`; fails if the name is taken.
    pub fn file(
        &mut self,
        dir: NodeId,
        name: &str,
        contents: impl AsRef<[u8]>,
    ) -> Result<NodeId, BuildError> {
        let appended = self.append_with(|buffer| {
            buffer.extend_from_slice(contents.as_ref());
            Ok::<(), ()>(())
        });
        let appended = appended.unwrap_or(Appended(0..0));
        self.file_from(dir, name, appended)
    }

    /// Appends contents that `fill` writes to the end of the buffer it is given (a file read
    /// into it, say), for [`ImageBuilder::file_from`]. What `fill` wrote is taken back when it
    /// fails.
    pub fn append_with<E>(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<Appended, E> {
        let start = self.contents.len();
        match fill(&mut self.contents) {
            Ok(()) => Ok(Appended(start..self.contents.len())),
            Err(e) => {
                self.contents.truncate(start);
                Err(e)
            }
        }
    }

    /// Takes back contents appended last that no file will hold.
    pub fn discard(&mut self, appended: Appended) {
        if appended.0.end == self.contents.len() {
            self.contents.truncate(appended.0.start);
        }
    }

    /// The bytes of appended contents.
    pub fn appended(&self, appended: &Appended) -> &[u8] {
        &self.contents[appended.0.clone()]
    }

    /// The file `name` under `dir` with contents appended last; fails if the name is taken, and
    /// then takes the contents back.
    pub fn file_from(
        &mut self,
        dir: NodeId,
        name: &str,
        appended: Appended,
    ) -> Result<NodeId, BuildError> {
        let start = appended.0.start;
        let added = self.add(dir, name, Content::File(appended.0));
        if added.is_err() {
            self.contents.truncate(start);
        }
        added
    }

    /// A host file `name` under `dir`: entry `index` of `Files::host_files`.
    pub fn host_file(&mut self, dir: NodeId, name: &str, index: u32) -> Result<NodeId, BuildError> {
        self.add(dir, name, Content::HostFile(index))
    }

    /// A symbolic link `name` under `dir`.
    pub fn symlink(&mut self, dir: NodeId, name: &str, target: &str) -> Result<NodeId, BuildError> {
        self.add(dir, name, Content::Symlink(target.into()))
    }

    fn add(&mut self, dir: NodeId, name: &str, content: Content) -> Result<NodeId, BuildError> {
        let id = self.entries.len();
        match &mut self.entries[dir].content {
            Content::Directory(children) => {
                if children.contains_key(name.as_bytes()) {
                    return Err(BuildError::Exists);
                }
                children.insert(name.as_bytes().to_vec(), id);
            }
            _ => return Err(BuildError::NotADirectory),
        }
        self.entries.push(Entry {
            name: name.into(),
            parent: dir,
            content,
        });
        Ok(id)
    }

    /// [`ImageBuilder::finish_bytes`] in one piece.
    pub fn finish(self) -> Result<(Vec<u8>, Vec<u32>), BuildError> {
        self.finish_bytes()
            .map(|(bytes, index)| (bytes.to_vec(), index))
    }

    /// Lays the image out: its head (header, node records, names, link targets), followed by
    /// the contents as appended. Returns the bytes and, for each builder node, its index in the
    /// image.
    pub fn finish_bytes(self) -> Result<(ImageBytes, Vec<u32>), BuildError> {
        // Breadth-first from every root, so that each directory's children are consecutive.
        let n = self.entries.len();
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut index = vec![u32::MAX; n];
        for (id, e) in self.entries.iter().enumerate() {
            if e.parent == id {
                index[id] = order.len() as u32;
                order.push(id);
            }
        }
        let mut first_child = vec![0u32; n];
        let mut cursor = 0;
        while cursor < order.len() {
            let id = order[cursor];
            cursor += 1;
            if let Content::Directory(children) = &self.entries[id].content {
                first_child[id] = order.len() as u32;
                for child in children.values() {
                    index[*child] = order.len() as u32;
                    order.push(*child);
                }
            }
        }
        let names_len: usize = self.entries.iter().map(|e| e.name.len()).sum();
        let links_len: usize = self
            .entries
            .iter()
            .map(|e| match &e.content {
                Content::Symlink(t) => t.len(),
                _ => 0,
            })
            .sum();
        let head_len = HEADER + n * NODE_SIZE + names_len + links_len;
        if head_len + self.contents.len() > u32::MAX as usize {
            return Err(BuildError::TooLarge);
        }
        let mut head = Vec::with_capacity(head_len);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&(n as u32).to_le_bytes());
        let mut name_at = HEADER + n * NODE_SIZE;
        let mut link_at = name_at + names_len;
        for id in &order {
            let e = &self.entries[*id];
            let (kind, a, b) = match &e.content {
                Content::Directory(children) => {
                    (Kind::Directory, first_child[*id], children.len() as u32)
                }
                Content::File(range) => (
                    Kind::File,
                    (head_len + range.start) as u32,
                    range.len() as u32,
                ),
                Content::Symlink(t) => {
                    link_at += t.len();
                    (Kind::Symlink, (link_at - t.len()) as u32, t.len() as u32)
                }
                Content::HostFile(i) => (Kind::HostFile, *i, 0),
            };
            for v in [
                kind.code(),
                index[e.parent],
                name_at as u32,
                e.name.len() as u32,
                a,
                b,
            ] {
                head.extend_from_slice(&v.to_le_bytes());
            }
            name_at += e.name.len();
        }
        for id in &order {
            head.extend_from_slice(self.entries[*id].name.as_bytes());
        }
        for id in &order {
            if let Content::Symlink(t) = &self.entries[*id].content {
                head.extend_from_slice(t.as_bytes());
            }
        }
        debug_assert_eq!(head.len(), head_len);
        Ok((ImageBytes::new(head, self.contents), index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;

    #[test]
    fn contents_are_appended_once_and_taken_back_when_unused() {
        let mut b = ImageBuilder::new();
        let root = b.root();
        let read = b.append_with(|buffer| {
            buffer.extend_from_slice(b"read in place");
            Ok::<(), ()>(())
        });
        let file = b.file_from(root, "a", read.unwrap()).unwrap();
        assert_eq!(b.file_contents(file), Some(b"read in place".as_slice()));
        // A failed read leaves nothing behind; so does a name already taken.
        let failed = b.append_with(|buffer| {
            buffer.extend_from_slice(b"partial");
            Err("disk error")
        });
        assert_eq!(failed, Err("disk error"));
        let taken = b.append_with(|buffer| {
            buffer.extend_from_slice(b"other");
            Ok::<(), ()>(())
        });
        assert_eq!(
            b.file_from(root, "a", taken.unwrap()),
            Err(BuildError::Exists)
        );
        let discarded = b.append_with(|buffer| {
            buffer.extend_from_slice(b"unused");
            Ok::<(), ()>(())
        });
        b.discard(discarded.unwrap());
        b.symlink(root, "l", "a").unwrap();
        b.file(root, "b", b"second").unwrap();
        let (bytes, index) = b.finish_bytes().unwrap();
        let [head, contents] = bytes.parts();
        assert_eq!(contents, b"read in placesecond");
        assert_eq!(head.len() + contents.len(), bytes.len());
        let whole = bytes.to_vec();
        let image = Image::new(&whole).unwrap();
        let data = |name: &[u8]| image.data(&image.lookup(index[root], name).unwrap());
        assert_eq!(data(b"a"), b"read in place");
        assert_eq!(data(b"b"), b"second");
        assert_eq!(data(b"l"), b"a");
    }

    #[test]
    fn image_bytes_compare_and_hash_as_one_sequence() {
        use core::hash::BuildHasher;
        let split = ImageBytes::new(b"VIMG".to_vec(), b"rest".to_vec());
        let whole = ImageBytes::from(b"VIMGrest".to_vec());
        assert_eq!(split, whole);
        assert_ne!(split, ImageBytes::from(b"VIMGrust".to_vec()));
        assert_eq!(&*split.contiguous(), b"VIMGrest");
        assert!(matches!(whole.contiguous(), Cow::Borrowed(_)));
        let state = std::hash::RandomState::new();
        let hash_with = |x: &ImageBytes| state.hash_one(x);
        assert_eq!(hash_with(&split), hash_with(&whole));
        assert!(ImageBytes::new(Vec::new(), Vec::new()).is_empty());
        assert_eq!(ImageBytes::default().len(), 0);
        assert_eq!(alloc::format!("{split:?}"), "ImageBytes(8 bytes)");
    }
}
