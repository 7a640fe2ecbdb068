//! A bounded memory of values by the text they were computed from: the analysis remembers
//! what it found in each chunk of a file, since an edit leaves almost every chunk as it was.

use rustc_hash::FxHashMap;

/// Values by text, in two generations: a lookup that finds a value in the older generation
/// moves it to the newer one, and when the newer one is full the older is dropped. What the
/// files being edited use stays; the memory stays bounded, in entries and in an estimate of the
/// bytes they hold (what is remembered of a text, a syntax tree or a lowering, grows with it: a
/// count alone let a fuzzer's long statements hold most of a gigabyte).
#[derive(Debug)]
pub struct TextMemory<V> {
    newer: FxHashMap<Box<str>, V>,
    older: FxHashMap<Box<str>, V>,
    /// Entries per generation.
    capacity: usize,
    /// Estimated bytes held by the newer generation, and at most how many.
    cost: usize,
    max_cost: usize,
}

impl<V: Clone> TextMemory<V> {
    /// Estimated bytes per generation: four times what a 10,000-line policy's chunks hold.
    pub const MAX_COST: usize = 64 << 20;

    /// What an entry for `text` is estimated to hold: measured for syntax trees, about seven
    /// times the text and 800 bytes besides (`parse_remembered`, 131,072 short statements and
    /// 8,192 lists of 50 strings).
    fn cost(text: &str) -> usize {
        text.len().saturating_mul(8).saturating_add(1024)
    }

    pub fn new(capacity: usize) -> Self {
        Self::with_max_cost(capacity, Self::MAX_COST)
    }

    pub fn with_max_cost(capacity: usize, max_cost: usize) -> Self {
        TextMemory {
            newer: FxHashMap::default(),
            older: FxHashMap::default(),
            capacity,
            cost: 0,
            max_cost,
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
        let cost = Self::cost(&text);
        if self.newer.len() >= self.capacity || self.cost.saturating_add(cost) > self.max_cost {
            self.older = std::mem::take(&mut self.newer);
            self.cost = 0;
        }
        self.cost += cost;
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
        // Room for two entries of four bytes per generation.
        let mut memory = TextMemory::with_max_cost(100, 2 * (4 * 8 + 1024));
        memory.insert("aaaa", 1);
        memory.insert("bbbb", 2);
        memory.insert("cccc", 3); // "a" and "b" are now the older generation
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
