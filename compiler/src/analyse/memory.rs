//! A bounded memory of values by the text they were computed from: the analysis remembers
//! what it found in each chunk of a file, since an edit leaves almost every chunk as it was.

use rustc_hash::FxHashMap;

/// Values by text, in two generations: a lookup that finds a value in the older generation
/// moves it to the newer one, and when the newer one is full the older is dropped. What the
/// files being edited use stays; the memory stays bounded, in entries and in the bytes of their
/// texts (what is remembered of a text, a parse or a lowering, grows with it: a count alone
/// would let a few long texts hold gigabytes).
#[derive(Debug)]
pub struct TextMemory<V> {
    newer: FxHashMap<Box<str>, V>,
    older: FxHashMap<Box<str>, V>,
    /// Entries per generation.
    capacity: usize,
    /// Bytes of text in the newer generation, and at most how many.
    bytes: usize,
    max_bytes: usize,
}

impl<V: Clone> TextMemory<V> {
    /// Bytes of text per generation: a hundred times a 10,000-line policy.
    pub const MAX_BYTES: usize = 32 << 20;

    pub fn new(capacity: usize) -> Self {
        Self::with_max_bytes(capacity, Self::MAX_BYTES)
    }

    pub fn with_max_bytes(capacity: usize, max_bytes: usize) -> Self {
        TextMemory {
            newer: FxHashMap::default(),
            older: FxHashMap::default(),
            capacity,
            bytes: 0,
            max_bytes,
        }
    }

    pub fn get(&mut self, text: &str) -> Option<V> {
        if let Some(value) = self.newer.get(text) {
            return Some(value.clone());
        }
        let (text, value) = self.older.remove_entry(text)?;
        self.insert_owned(text, value.clone());
        Some(value)
    }

    pub fn insert(&mut self, text: &str, value: V) {
        self.insert_owned(text.into(), value);
    }

    fn insert_owned(&mut self, text: Box<str>, value: V) {
        if self.newer.len() >= self.capacity || self.bytes + text.len() > self.max_bytes {
            self.older = std::mem::take(&mut self.newer);
            self.bytes = 0;
        }
        self.bytes += text.len();
        self.newer.insert(text, value);
    }
}

#[cfg(test)]
mod tests {
    use super::TextMemory;

    #[test]
    fn keeps_what_is_used_and_stays_bounded() {
        let mut memory = TextMemory::new(2);
        memory.insert("a", 1);
        memory.insert("b", 2);
        memory.insert("c", 3); // "a" and "b" are now the older generation
        assert_eq!(memory.get("a"), Some(1)); // moved back to the newer one
        memory.insert("d", 4); // the newer one is full: "b" is dropped
        assert_eq!(memory.get("b"), None);
        assert_eq!(memory.get("a"), Some(1));
        assert_eq!(memory.get("d"), Some(4));
    }

    #[test]
    fn stays_bounded_in_bytes() {
        let mut memory = TextMemory::with_max_bytes(100, 10);
        memory.insert("aaaa", 1);
        memory.insert("bbbb", 2);
        memory.insert("cccc", 3); // 12 bytes: "a" and "b" are now the older generation
        memory.insert("dddd", 4);
        memory.insert("eeee", 5); // and now "c" and "d": "a" and "b" are gone
        assert_eq!(memory.get("aaaa"), None);
        assert_eq!(memory.get("bbbb"), None);
        assert_eq!(memory.get("eeee"), Some(5));
        // A text longer than a generation holds is remembered alone.
        memory.insert(&"f".repeat(20), 6);
        assert_eq!(memory.get(&"f".repeat(20)), Some(6));
    }
}
