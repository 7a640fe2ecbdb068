//! The adapter's allocator: power-of-two size classes with a free list each, carved from pages
//! the adapter grows its memory by. It replaces dlmalloc, whose ~6.5 KB were a fifth of a small
//! policy's adapter code; this one is a few hundred bytes, and every operation is O(1) but
//! the search for a larger free block to split.
//!
//! A block of class `k` is `2^k` bytes, aligned to `2^k` up to a page. A freed block goes on its
//! class's list and serves the next request of that class, so a component that runs long in a
//! steady pattern reuses its memory; blocks are split (never merged) when a class has none free
//! and the pages grown so far are used up. A block that grows while it is the last one carved
//! (a buffer that keeps growing, as a file in memory does) grows in place; one that shrinks gives
//! its tail back. Memory is only ever grown by this allocator: the compiler places the policy's
//! bytes in memory before the first page it grows.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;

const PAGE: usize = 65536;
/// Classes 0..3 are never used: the smallest block (8 bytes) holds a free list's link.
const MIN_CLASS: usize = 3;
const CLASSES: usize = usize::BITS as usize;

struct State {
    /// The first free block of each class (0: none); each holds the address of the next.
    free: [usize; CLASSES],
    /// Where the next block is carved, and the end of the memory grown so far.
    next: usize,
    end: usize,
}

/// The allocator. Single-threaded: the adapter runs on wasm32 without threads.
pub struct Heap(UnsafeCell<State>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for Heap {}

impl Heap {
    pub const fn new() -> Self {
        Heap(UnsafeCell::new(State {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

/// The class of blocks that fit `layout`, or `CLASSES` when none does.
fn class(size: usize, align: usize) -> usize {
    let size = size.max(align).max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

/// The alignment of a block of class `k`.
fn align_of(k: usize) -> usize {
    (1 << k).min(PAGE)
}

impl State {
    fn push(&mut self, k: usize, block: usize) {
        // SAFETY: `block` is a free block of at least 8 bytes that this allocator owns.
        unsafe { *(block as *mut usize) = self.free[k] };
        self.free[k] = block;
    }

    fn pop(&mut self, k: usize) -> usize {
        let block = self.free[k];
        if block != 0 {
            // SAFETY: a free block holds the address of the next one.
            self.free[k] = unsafe { *(block as *const usize) };
        }
        block
    }

    fn alloc(&mut self, k: usize) -> usize {
        if k >= CLASSES {
            return 0;
        }
        let block = self.pop(k);
        if block != 0 {
            return block;
        }
        loop {
            if let Some(block) = self.carve(k) {
                return block;
            }
            // Split the smallest larger free block: its upper halves go on their lists.
            if let Some(j) = (k + 1..CLASSES).find(|&j| self.free[j] != 0) {
                let block = self.pop(j);
                for i in k..j {
                    self.push(i, block + (1 << i));
                }
                return block;
            }
            // Enough for the block however the pages grown so far end.
            if !self.grow((1 << k) + align_of(k)) {
                return 0;
            }
        }
    }

    /// A block of class `k` from the pages grown so far; the bytes skipped to align it go on
    /// the lists as naturally aligned blocks.
    fn carve(&mut self, k: usize) -> Option<usize> {
        let start = self.next.checked_next_multiple_of(align_of(k))?;
        let end = start.checked_add(1 << k)?;
        if end > self.end {
            return None;
        }
        while self.next < start {
            let piece = self.next & self.next.wrapping_neg();
            self.push(piece.trailing_zeros() as usize, self.next);
            self.next += piece;
        }
        self.next = end;
        Some(start)
    }

    /// Grows memory by at least `bytes`; where it does not follow the pages grown so far, what
    /// was left of them is abandoned.
    fn grow(&mut self, bytes: usize) -> bool {
        let pages = bytes.div_ceil(PAGE);
        let base = wasm32::memory_grow(0, pages);
        if base == usize::MAX {
            return false;
        }
        let base = base * PAGE;
        if base != self.end {
            self.next = base;
        }
        self.end = base + pages * PAGE;
        true
    }

    /// Resizes the block `ptr` of class `old` to class `new` where it lies, if it can.
    fn resize_in_place(&mut self, ptr: usize, old: usize, new: usize) -> bool {
        if new < old {
            for i in new..old {
                self.push(i, ptr + (1 << i));
            }
            return true;
        }
        // Only the last block carved grows, into the pages grown so far or grown now.
        if new >= CLASSES || ptr + (1 << old) != self.next || !ptr.is_multiple_of(align_of(new)) {
            return false;
        }
        let Some(end) = ptr.checked_add(1 << new) else {
            return false;
        };
        if end > self.end && !(self.grow(end - self.end) && self.next == ptr + (1 << old)) {
            return false;
        }
        self.next = end;
        true
    }
}

// SAFETY: blocks are disjoint ranges of memory that only this allocator hands out, each at least
// as large and as aligned as the layout asked for (`class`).
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded, and no reference to the state outlives this call.
        let state = unsafe { &mut *self.0.get() };
        state.alloc(class(layout.size(), layout.align())) as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        let state = unsafe { &mut *self.0.get() };
        state.push(class(layout.size(), layout.align()), ptr as usize);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class(layout.size(), layout.align());
        let new = class(new_size, layout.align());
        if new == old {
            return ptr;
        }
        // SAFETY: as for `alloc`; the borrow ends before `alloc` and `dealloc` below.
        if unsafe { &mut *self.0.get() }.resize_in_place(ptr as usize, old, new) {
            return ptr;
        }
        // SAFETY: the caller's layout and size are valid (`GlobalAlloc::realloc`).
        unsafe {
            let moved = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !moved.is_null() {
                core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            moved
        }
    }
}
