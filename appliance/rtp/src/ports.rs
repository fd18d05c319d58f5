//! RTP port allocation: an even RTP port and the odd RTCP port above it (RFC 3550 §11),
//! from a configurable range, reused after release.
//!
//! Pure bookkeeping: the daemon binds the sockets. If a bind fails (another program holds
//! the port), the daemon keeps that pair allocated, asks for another, and releases the bad
//! one later; allocation is next-fit, so the same pair is not handed out again at once.

/// An RTP/RTCP port pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortPair {
    /// Even RTP port.
    pub rtp: u16,
    /// `rtp + 1`, the RTCP port.
    pub rtcp: u16,
}

/// Why a range or a release was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortRangeError {
    /// The range holds no even/odd pair (`first` > `last` once aligned).
    #[error("port range {first}-{last} holds no even/odd pair")]
    Empty {
        /// First port configured.
        first: u16,
        /// Last port configured.
        last: u16,
    },
    /// The port released is not an allocated RTP port of this range.
    #[error("port {port} is not allocated")]
    NotAllocated {
        /// The port given.
        port: u16,
    },
}

/// Hands out port pairs from `first..=last`.
#[derive(Debug, Clone)]
pub struct PortAllocator {
    /// First even port.
    base: u16,
    /// One flag per pair.
    used: Vec<bool>,
    /// Next pair index to try.
    cursor: usize,
    in_use: usize,
}

impl PortAllocator {
    /// The pairs within `first..=last` (an odd `first` is rounded up, so both ports of every
    /// pair lie in the range). The common choice is 10000-20000.
    ///
    /// # Errors
    /// [`PortRangeError::Empty`] if no pair fits.
    pub fn new(first: u16, last: u16) -> Result<Self, PortRangeError> {
        let base = first
            .checked_add(first % 2)
            .ok_or(PortRangeError::Empty { first, last })?;
        if base == 0 || last <= base {
            return Err(PortRangeError::Empty { first, last });
        }
        let pairs = (usize::from(last) - usize::from(base)).div_ceil(2);
        if pairs == 0 {
            return Err(PortRangeError::Empty { first, last });
        }
        Ok(Self {
            base,
            used: vec![false; pairs],
            cursor: 0,
            in_use: 0,
        })
    }

    /// Pairs in the range.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.used.len()
    }

    /// Pairs currently allocated.
    #[must_use]
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// The next free pair after the last one handed out, or `None` when all are taken.
    pub fn allocate(&mut self) -> Option<PortPair> {
        let n = self.used.len();
        for k in 0..n {
            let i = (self.cursor + k) % n;
            if !self.used[i] {
                self.used[i] = true;
                self.in_use += 1;
                self.cursor = (i + 1) % n;
                let rtp = self.base + 2 * i as u16;
                return Some(PortPair { rtp, rtcp: rtp + 1 });
            }
        }
        None
    }

    /// Returns the pair whose RTP port is `rtp` to the pool.
    ///
    /// # Errors
    /// [`PortRangeError::NotAllocated`] for a port outside the range, an odd port, or a pair
    /// not allocated (nothing changes).
    pub fn release(&mut self, rtp: u16) -> Result<(), PortRangeError> {
        let err = PortRangeError::NotAllocated { port: rtp };
        if rtp < self.base || !(rtp - self.base).is_multiple_of(2) {
            return Err(err);
        }
        let i = usize::from((rtp - self.base) / 2);
        match self.used.get_mut(i) {
            Some(u) if *u => {
                *u = false;
                self.in_use -= 1;
                Ok(())
            }
            _ => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_even_odd_within_range_and_reused() {
        let mut a = PortAllocator::new(10001, 10008).unwrap();
        // 10002/3, 10004/5, 10006/7 (10008 has no odd partner in range).
        assert_eq!(a.capacity(), 3);
        let p: Vec<_> = core::iter::from_fn(|| a.allocate()).collect();
        assert_eq!(
            p.iter().map(|p| (p.rtp, p.rtcp)).collect::<Vec<_>>(),
            [(10002, 10003), (10004, 10005), (10006, 10007)]
        );
        assert_eq!(a.allocate(), None);
        assert_eq!(a.release(10004), Ok(()));
        assert_eq!(
            a.release(10004),
            Err(PortRangeError::NotAllocated { port: 10004 })
        );
        assert_eq!(
            a.release(10005),
            Err(PortRangeError::NotAllocated { port: 10005 })
        );
        assert_eq!(a.allocate().map(|p| p.rtp), Some(10004));
        assert_eq!(a.in_use(), 3);
        assert!(matches!(
            PortAllocator::new(10001, 10002),
            Err(PortRangeError::Empty { .. })
        ));
        assert!(PortAllocator::new(65534, 65535).is_ok());
    }
}
