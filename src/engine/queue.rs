//! Two implementations of [`PendingSet`]: a binary heap and a monotone radix heap.

use super::{PendingSet, Scheduled};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Wrapper ordering a [`Scheduled`] by its key, smallest first (a min-heap entry).
#[derive(Debug, Clone)]
struct MinByKey<E>(u128, Scheduled<E>);

impl<E> PartialEq for MinByKey<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for MinByKey<E> {}
impl<E> PartialOrd for MinByKey<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for MinByKey<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp(&self.0)
    }
}

/// The standard library's binary heap, reversed into a min-heap on `(time, seq)`.
#[derive(Debug, Clone)]
pub struct HeapQueue<E> {
    heap: BinaryHeap<MinByKey<E>>,
}

impl<E> Default for HeapQueue<E> {
    fn default() -> Self {
        HeapQueue { heap: BinaryHeap::with_capacity(1024) }
    }
}

impl<E> PendingSet<E> for HeapQueue<E> {
    #[inline]
    fn push(&mut self, item: Scheduled<E>) {
        self.heap.push(MinByKey(item.key(), item));
    }
    #[inline]
    fn pop(&mut self) -> Option<Scheduled<E>> {
        self.heap.pop().map(|m| m.1)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// Number of buckets of the radix heap over 64-bit times: one per possible highest
/// differing bit, plus bucket 0 for the time equal to the last one popped.
const BUCKETS: usize = 65;

/// A monotone radix heap over the event time, FIFO among events at the same time.
///
/// Bucket `i` holds the events whose time's highest bit differing from the last popped
/// time is bit `i - 1`; bucket 0 holds the events at exactly the last popped time.
/// Popping takes bucket 0 from the front, and when it is used up, empties the lowest
/// non-empty bucket into lower ones, so each event is moved at most 64 times and usually
/// once or twice. Relies on the monotone property (no time earlier than the last
/// popped), which every discrete-event simulation satisfies.
///
/// The `seq` tie-break needs no comparison: every bucket stays in scheduling order. A
/// push appends the newest event; a refill moves a whole bucket, in order, into buckets
/// that are all empty at that moment (bucket 0 is used up and the buckets below the
/// lowest non-empty one are empty). Events at one time always share a bucket (the bucket
/// is a function of the time), so they leave bucket 0 in scheduling order: the pop
/// order is exactly that of the key `(time, seq)`. Bucket vectors keep their capacity,
/// so steady state allocates nothing.
#[derive(Debug, Clone)]
pub struct RadixQueue<E> {
    /// The time of the last refill (the time of every event in bucket 0).
    last: u64,
    len: usize,
    /// Index of the next event to pop from bucket 0 (its earlier entries are popped).
    head: usize,
    /// Bit `i - 1` is set when bucket `i` (1..=64) is non-empty.
    nonempty: u64,
    buckets: [Vec<Scheduled<E>>; BUCKETS],
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        RadixQueue::new()
    }
}

impl<E> RadixQueue<E> {
    /// An empty radix heap.
    pub fn new() -> Self {
        RadixQueue { last: 0, len: 0, head: 0, nonempty: 0, buckets: std::array::from_fn(|_| Vec::new()) }
    }

    /// The bucket of time `at` relative to the last popped time: 0 when equal, else one
    /// more than the index of the highest differing bit (at most 64).
    #[inline]
    fn bucket_of(at: u64, last: u64) -> usize {
        (u64::BITS - (at ^ last).leading_zeros()) as usize
    }

    /// Empties the lowest non-empty bucket (found from the mask in O(1)) into lower ones
    /// and returns its earliest event; `None` when nothing is pending. Bucket 0 must be
    /// used up. Times are mostly distinct, so this runs on most pops and usually finds a
    /// bucket of one event: that case moves nothing.
    #[inline]
    fn refill_and_pop(&mut self) -> Option<Scheduled<E>>
    where
        E: Copy,
    {
        if self.nonempty == 0 {
            return None;
        }
        let i = self.nonempty.trailing_zeros() as usize + 1;
        self.nonempty &= self.nonempty - 1;
        self.buckets[0].clear();
        self.len -= 1;
        if let [only] = self.buckets[i].as_slice() {
            let only = *only;
            self.buckets[i].clear();
            self.last = only.at.0;
            self.head = 0;
            return Some(only);
        }
        let mut moved = std::mem::take(&mut self.buckets[i]);
        let min = moved.iter().map(|s| s.at.0).min().expect("invariant: a bucket in the mask is non-empty");
        self.last = min;
        for item in moved.drain(..) {
            let b = Self::bucket_of(item.at.0, min);
            debug_assert!(b < i);
            if b > 0 {
                self.nonempty |= 1 << (b - 1);
            }
            self.buckets[b].push(item);
        }
        self.buckets[i] = moved;
        // The earliest event is the first in bucket 0 (scheduling order is kept).
        self.head = 1;
        Some(self.buckets[0][0])
    }
}

impl<E: Copy> PendingSet<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, item: Scheduled<E>) {
        let at = item.at.0;
        debug_assert!(at >= self.last, "radix heap requires monotone keys");
        let b = Self::bucket_of(at, self.last);
        if b > 0 {
            self.nonempty |= 1 << (b - 1);
        }
        self.buckets[b].push(item);
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<Scheduled<E>> {
        if let Some(item) = self.buckets[0].get(self.head) {
            let item = *item;
            self.head += 1;
            self.len -= 1;
            return Some(item);
        }
        self.refill_and_pop()
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The next event when it is the first left in bucket 0 or alone in the lowest
    /// non-empty bucket (the common case); `None` when finding it would take a scan.
    #[inline]
    fn peek_hint(&self) -> Option<&E> {
        if let Some(item) = self.buckets[0].get(self.head) {
            return Some(&item.event);
        }
        if self.nonempty == 0 {
            return None;
        }
        match self.buckets[self.nonempty.trailing_zeros() as usize + 1].as_slice() {
            [only] => Some(&only.event),
            _ => None,
        }
    }
}
