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
    /// Bit `i - 1` is set when bucket `i` (1..=128) is non-empty.
    nonempty: u128,
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
        RadixQueue { last: 0, len: 0, nonempty: 0, buckets: (0..BUCKETS).map(|_| Vec::new()).collect() }
    }

    #[inline]
    fn bucket_of(key: u128, last: u128) -> usize {
        (128 - (key ^ last).leading_zeros()) as usize
    }

    /// Puts an item in bucket `b`, keeping the non-empty mask.
    #[inline]
    fn put(&mut self, b: usize, item: Scheduled<E>) {
        if b > 0 {
            self.nonempty |= 1 << (b - 1);
        }
        self.buckets[b].push(item);
    }

    /// Refills bucket 0 from the lowest non-empty bucket (found from the mask in O(1));
    /// false when empty. Keys are unique (`seq`), so bucket 0 holds at most one event and
    /// this runs on most pops: it must stay cheap.
    #[inline]
    fn refill(&mut self) -> bool {
        if self.nonempty == 0 {
            return false;
        }
        let i = self.nonempty.trailing_zeros() as usize + 1;
        self.nonempty &= !(1 << (i - 1));
        let mut moved = std::mem::take(&mut self.buckets[i]);
        let min = moved.iter().map(Scheduled::key).min().expect("invariant: a bucket in the mask is non-empty");
        self.last = min;
        for item in moved.drain(..) {
            let b = Self::bucket_of(item.key(), min);
            debug_assert!(b < i);
            self.put(b, item);
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
        self.put(b, item);
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
