//! A bounded memory of values by the text they were computed from: the analysis remembers
//! what it found in each chunk of a file, since an edit leaves almost every chunk as it was.

use rustc_hash::FxHashMap;

/// Values by text, in two generations: a lookup that finds a value in the older generation
/// moves it to the newer one, and when the newer one is full the older is dropped. What the
/// files being edited use stays; the memory stays bounded.
#[derive(Debug)]
pub struct TextMemory<V> {
    newer: FxHashMap<Box<str>, V>,
    older: FxHashMap<Box<str>, V>,
    /// Entries per generation.
    capacity: usize,
}

impl<V: Clone> TextMemory<V> {
    pub fn new(capacity: usize) -> Self {
        TextMemory {
            newer: FxHashMap::default(),
            older: FxHashMap::default(),
            capacity,
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
        if self.newer.len() >= self.capacity {
            self.older = std::mem::take(&mut self.newer);
        }
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
}
