//! The RTP port allocator under random allocate/release sequences: every pair is even/odd
//! inside the range, no pair is handed out twice while in use, every pair of the range is
//! reachable, and releasing something not allocated is refused without changing anything.

use std::collections::BTreeSet;

use proptest::prelude::*;
use rtp::ports::{PortAllocator, PortRangeError};

proptest! {
    #[test]
    fn pairs_are_unique_even_odd_and_in_range(
        first in 1024u16..60000,
        span in 1u16..200,
        ops in prop::collection::vec((any::<bool>(), any::<u16>()), 0..400),
    ) {
        let last = first.saturating_add(span);
        let Ok(mut a) = PortAllocator::new(first, last) else {
            // Only a range without an even/odd pair is refused.
            prop_assert!(last <= first + first % 2);
            return Ok(());
        };
        let mut held = BTreeSet::new();
        for (alloc, pick) in ops {
            if alloc {
                match a.allocate() {
                    Some(p) => {
                        prop_assert!(p.rtp % 2 == 0 && p.rtcp == p.rtp + 1);
                        prop_assert!(p.rtp >= first && p.rtcp <= last);
                        prop_assert!(held.insert(p.rtp), "{} handed out twice", p.rtp);
                    }
                    None => prop_assert_eq!(held.len(), a.capacity()),
                }
            } else if let Some(&port) = held.iter().nth(usize::from(pick) % held.len().max(1)) {
                prop_assert_eq!(a.release(port), Ok(()));
                held.remove(&port);
            } else {
                prop_assert_eq!(a.release(pick), Err(PortRangeError::NotAllocated { port: pick }));
            }
            prop_assert_eq!(a.in_use(), held.len());
        }
        // Drain: everything left is reachable, and then nothing.
        while let Some(p) = a.allocate() {
            prop_assert!(held.insert(p.rtp));
        }
        prop_assert_eq!(held.len(), a.capacity());
        prop_assert_eq!(a.capacity(), usize::from(last - (first + first % 2) + 1) / 2);
    }
}
