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

/// Number of buckets of the radix heap over 128-bit keys: one per possible highest
/// differing bit, plus bucket 0 for the key equal to the last one popped.
const BUCKETS: usize = 129;

/// A monotone radix heap over the 128-bit key `(time << 64) | seq`.
///
/// Bucket `i` holds the keys whose highest bit differing from the last popped key is
/// bit `i - 1`; popping empties the lowest non-empty bucket into lower ones, so each
/// event is moved at most 128 times and usually once or twice. Relies on the monotone
/// property (no key smaller than the last popped), which every discrete-event
/// simulation satisfies. Bucket vectors keep their capacity, so steady state allocates
/// nothing.
#[derive(Debug, Clone)]
pub struct RadixQueue<E> {
    last: u128,
    len: usize,
    buckets: Vec<Vec<Scheduled<E>>>,
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        RadixQueue::new()
    }
}

impl<E> RadixQueue<E> {
    /// An empty radix heap.
    pub fn new() -> Self {
        RadixQueue { last: 0, len: 0, buckets: (0..BUCKETS).map(|_| Vec::new()).collect() }
    }

    #[inline]
    fn bucket_of(key: u128, last: u128) -> usize {
        (128 - (key ^ last).leading_zeros()) as usize
    }

    /// Refills bucket 0 from the lowest non-empty bucket; false when empty.
    #[cold]
    fn refill(&mut self) -> bool {
        let Some(i) = (1..BUCKETS).find(|&i| !self.buckets[i].is_empty()) else {
            return false;
        };
        let mut moved = std::mem::take(&mut self.buckets[i]);
        let min = moved.iter().map(Scheduled::key).min().expect("invariant: bucket is non-empty");
        self.last = min;
        for item in moved.drain(..) {
            let b = Self::bucket_of(item.key(), min);
            debug_assert!(b < i);
            self.buckets[b].push(item);
        }
        self.buckets[i] = moved;
        true
    }
}

impl<E> PendingSet<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, item: Scheduled<E>) {
        let key = item.key();
        debug_assert!(key >= self.last, "radix heap requires monotone keys");
        let b = Self::bucket_of(key, self.last);
        self.buckets[b].push(item);
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<Scheduled<E>> {
        if self.buckets[0].is_empty() && !self.refill() {
            return None;
        }
        self.len -= 1;
        self.buckets[0].pop()
    }

    fn len(&self) -> usize {
        self.len
    }
}
