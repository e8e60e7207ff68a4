//! The domain-free event core: a pending-event set keyed `(time, seq)`.
//!
//! Events scheduled for the same minute come out in the order they were scheduled
//! (`seq` is a counter incremented by every [`EventQueue::schedule`]), so a run is a pure
//! function of its inputs. Cancellation is lazy: the model stamps events with a
//! generation counter and [`EventQueue::pop_live`] drops stale ones as they surface,
//! so cancelling costs O(1) and needs no search. Nothing here allocates per event once
//! the underlying buffers have grown to the run's working size.
//!
//! The pending set itself sits behind the small [`PendingSet`] trait so that the
//! binary heap ([`HeapQueue`]) and the monotone radix heap ([`RadixQueue`], the
//! default) can be benchmarked against each other (`benches/engine.rs`).

mod queue;

pub use queue::{HeapQueue, RadixQueue};

use crate::time::{SimDuration, SimTime};

/// One pending event: when it fires, its tie-breaking sequence number, and the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheduled<E> {
    /// The instant the event fires.
    pub at: SimTime,
    /// Scheduling order; unique within one queue; breaks ties at the same instant (FIFO).
    pub seq: u64,
    /// The event payload (a small `Copy` value in the models of this crate).
    pub event: E,
}

impl<E> Scheduled<E> {
    /// The total order key: time first, then scheduling order, packed into one integer.
    #[inline]
    pub fn key(&self) -> u128 {
        ((self.at.0 as u128) << 64) | self.seq as u128
    }
}

/// A pending-event set: a priority queue on [`Scheduled::key`].
///
/// Implementations may assume the *monotone* property of discrete-event simulation:
/// no event is pushed with a key smaller than the last key popped.
pub trait PendingSet<E> {
    /// Adds one event.
    fn push(&mut self, item: Scheduled<E>);
    /// Removes and returns the event with the smallest key.
    fn pop(&mut self) -> Option<Scheduled<E>>;
    /// Number of pending events (stale ones included).
    fn len(&self) -> usize;
    /// The event that `pop` would return next, when that is cheap to find; `None`
    /// otherwise. A hint only (for prefetching what the next event will read): it
    /// never changes what is popped.
    fn peek_hint(&self) -> Option<&E> {
        None
    }
    /// True when no event is pending.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The simulation clock plus its pending-event set.
#[derive(Debug, Clone)]
pub struct EventQueue<E, P: PendingSet<E> = RadixQueue<E>> {
    now: SimTime,
    next_seq: u64,
    stale_dropped: u64,
    set: P,
    _marker: std::marker::PhantomData<E>,
}

impl<E, P: PendingSet<E> + Default> Default for EventQueue<E, P> {
    fn default() -> Self {
        EventQueue::with_set(P::default())
    }
}

impl<E: Copy> EventQueue<E, RadixQueue<E>> {
    /// An empty queue at time zero, on the default (radix heap) pending set (which
    /// needs `Copy` events: the models' events are small `Copy` values).
    pub fn new() -> Self {
        EventQueue::with_set(RadixQueue::new())
    }
}

impl<E, P: PendingSet<E>> EventQueue<E, P> {
    /// An empty queue at time zero over the given pending set.
    pub fn with_set(set: P) -> Self {
        EventQueue { now: SimTime::ZERO, next_seq: 0, stale_dropped: 0, set, _marker: std::marker::PhantomData }
    }

    /// The current simulated time: the time of the last event popped.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at instant `at`. Scheduling in the past is a logic error in the
    /// model; the event is then clamped to `now` so the clock never runs backwards.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let at = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.set.push(Scheduled { at, seq, event });
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Pops the next event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let item = self.set.pop()?;
        self.now = item.at;
        Some(item)
    }

    /// Pops the next event for which `is_live` holds, silently dropping stale ones
    /// (lazy cancellation). The clock advances to the returned event's time.
    #[inline]
    pub fn pop_live(&mut self, mut is_live: impl FnMut(&E) -> bool) -> Option<Scheduled<E>> {
        loop {
            let item = self.set.pop()?;
            if is_live(&item.event) {
                self.now = item.at;
                return Some(item);
            }
            self.stale_dropped += 1;
        }
    }

    /// The event likely to be popped next, when the pending set can tell cheaply (see
    /// [`PendingSet::peek_hint`]): a model can prefetch the state it will read.
    #[inline]
    pub fn next_hint(&self) -> Option<&E> {
        self.set.peek_hint()
    }

    /// Ends the run at `t`: sets the clock to `t`, even back past an event that was popped
    /// beyond the horizon and will not be processed. Schedule nothing after this.
    pub fn finish_at(&mut self, t: SimTime) {
        self.now = t;
    }

    /// Number of pending events, stale ones included.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Number of events scheduled so far.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }

    /// Number of stale events dropped by [`EventQueue::pop_live`].
    pub fn stale_dropped(&self) -> u64 {
        self.stale_dropped
    }
}

/// Cache line size assumed by [`prefetch`], bytes.
const CACHE_LINE_BYTES: usize = 64;

/// Asks the processor to bring every cache line of `value` towards the core, without
/// waiting for them: a hint with no effect on results. A no-op on processors other
/// than x86-64.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let first = (value as *const T).cast::<i8>();
        let size = std::mem::size_of::<T>().max(1);
        // The lines holding the first byte, every 64th after it, and the last byte (the
        // count is a constant, so the loop unrolls).
        let mut offset = 0;
        while offset < size {
            // SAFETY: a prefetch never faults and reads nothing the program sees; SSE,
            // which the intrinsic needs, is part of the x86-64 baseline.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(offset)) };
            offset += CACHE_LINE_BYTES;
        }
        // SAFETY: as above.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(size - 1)) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit linear congruential generator started at `x`, giving its top `64 - shift` bits.
    fn lcg(mut x: u64, shift: u32) -> impl FnMut() -> u64 {
        move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> shift
        }
    }

    fn drain<P: PendingSet<u32>>(q: &mut EventQueue<u32, P>) -> Vec<(u64, u32)> {
        let mut out = Vec::new();
        while let Some(s) = q.pop() {
            out.push((s.at.0, s.event));
        }
        out
    }

    fn fifo_ties<P: PendingSet<u32> + Default>() {
        let mut q: EventQueue<u32, P> = EventQueue::default();
        for (t, e) in [(5, 1), (3, 2), (5, 3), (3, 4), (5, 5)] {
            q.schedule(SimTime(t), e);
        }
        assert_eq!(drain(&mut q), vec![(3, 2), (3, 4), (5, 1), (5, 3), (5, 5)]);
    }

    fn scheduled_at_now_runs_after_earlier_ties<P: PendingSet<u32> + Default>() {
        let mut q: EventQueue<u32, P> = EventQueue::default();
        q.schedule(SimTime(10), 1);
        q.schedule(SimTime(10), 2);
        assert_eq!(q.pop().map(|s| s.event), Some(1));
        q.schedule_in(SimDuration::ZERO, 3);
        assert_eq!(drain(&mut q), vec![(10, 2), (10, 3)]);
    }

    #[test]
    fn same_time_events_run_in_scheduling_order() {
        fifo_ties::<HeapQueue<u32>>();
        fifo_ties::<RadixQueue<u32>>();
        scheduled_at_now_runs_after_earlier_ties::<HeapQueue<u32>>();
        scheduled_at_now_runs_after_earlier_ties::<RadixQueue<u32>>();
    }

    #[test]
    fn lazy_cancellation_drops_stale_events() {
        let mut q: EventQueue<u32> = EventQueue::new();
        for i in 0..10 {
            q.schedule(SimTime(i), i as u32);
        }
        let mut live = Vec::new();
        while let Some(s) = q.pop_live(|e| e % 3 != 0) {
            live.push(s.event);
        }
        assert_eq!(live, vec![1, 2, 4, 5, 7, 8]);
        assert_eq!(q.stale_dropped(), 4);
        assert_eq!(q.now(), SimTime(8));
    }

    #[test]
    fn heap_and_radix_agree_on_a_random_hold_model() {
        // Hold model: pop one, push one at now + a pseudo-random increment (many ties).
        let mut a: EventQueue<u32, HeapQueue<u32>> = EventQueue::default();
        let mut b: EventQueue<u32> = EventQueue::new();
        let mut next = lcg(0x9E37_79B9_7F4A_7C15, 58);
        for i in 0..1000 {
            let t = SimTime(next());
            a.schedule(t, i);
            b.schedule(t, i);
        }
        for i in 0..100_000u32 {
            let (sa, sb) = (a.pop().unwrap(), b.pop().unwrap());
            assert_eq!((sa.at, sa.seq, sa.event), (sb.at, sb.seq, sb.event));
            assert!(sa.key() >= Scheduled { at: a.now(), seq: 0, event: 0u32 }.key());
            let d = SimDuration(next());
            a.schedule_in(d, i);
            b.schedule_in(d, i);
        }
        assert_eq!(drain(&mut a), drain(&mut b));
    }

    #[test]
    fn the_next_event_hint_is_the_event_popped_next() {
        // A hold model with ties and far-apart times, so that hints come from bucket 0,
        // from a lone lowest bucket, and are withheld when the lowest bucket holds several.
        let mut q: EventQueue<u32> = EventQueue::new();
        let mut next = lcg(0x2545_F491_4F6C_DD1D, 50);
        for i in 0..500 {
            q.schedule(SimTime(next() % 64), i);
        }
        let (mut hinted, mut withheld) = (0, 0);
        for i in 0..50_000u32 {
            let hint = q.next_hint().copied();
            let popped = q.pop().map(|s| s.event);
            match hint {
                Some(h) => {
                    assert_eq!(Some(h), popped, "pop {i}");
                    hinted += 1;
                }
                None => withheld += 1,
            }
            let d = next();
            q.schedule_in(SimDuration(if i % 3 == 0 { 0 } else { d }), i);
        }
        // Both paths are exercised: hints given (checked above) and hints withheld.
        assert!(hinted > 10_000 && withheld > 0, "hinted {hinted}, withheld {withheld}");
        assert_eq!(EventQueue::<u32, HeapQueue<u32>>::default().next_hint(), None);
    }
}
