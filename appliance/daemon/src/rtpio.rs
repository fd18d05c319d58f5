//! The RTP socket thread: one plain thread reads the RTP and RTCP sockets of every SIP leg
//! through one epoll set and queues each datagram for the media thread; the media thread
//! sends on the sockets itself ([`crate::media`]'s `flush_rtp`).
//!
//! Why this shape (measured, docs/sip-load.md): the sockets were first read by tokio tasks
//! on the daemon's main runtime, then on a runtime of their own. With 250 bridged calls
//! that runtime took two thirds of the daemon's CPU, nearly all of it waking tasks: a
//! wake-up per datagram in, a `Notify` from the media thread per datagram out, a timer per
//! leg. An epoll loop reads whatever is ready in one system call per batch and wakes
//! nobody; a non-blocking `sendto` from the media thread costs less than waking another
//! thread to make it. Under load the loop looks once per millisecond ([`PACE`]), not
//! once per datagram.
//!
//! What it is not: no media processing (the media thread does that), no sending, no
//! per-leg thread or task.

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::eventfd::{EfdFlags, EventFd};
use rtrb::Producer;
use tracing::{debug, error, warn};

use crate::media::{DGRAM_MAX, Dgram};

/// SCHED_FIFO priority of the thread: below the media thread's, above every normal
/// thread. A packet waiting in a socket while the build or another process has the CPU
/// reached the media thread late and was concealed (the bench counted those frames as
/// altered); the thread only wakes for datagrams, so it cannot starve the others.
const PRIORITY: u8 = crate::media::MEDIA_PRIORITY - 5;
/// The epoll token of the wake-up eventfd (leg tokens are `2 × index (+1 for RTCP)`).
const WAKE: u64 = u64::MAX;
/// Datagrams read from one socket per readiness report, so one flooded socket cannot hold
/// up the others (epoll is level-triggered: the rest is reported again at once).
const BURST: usize = 32;
/// How often legs whose media-thread end is gone are closed.
const SWEEP: Duration = Duration::from_millis(100);
/// After reading a batch the thread sleeps this long before looking again, so the next
/// look finds a millisecond's worth of datagrams ready at once instead of waking for each
/// one. The media thread takes them once a millisecond anyway; the added delay is at most
/// this. (Woken per datagram, the thread's context switches were a quarter of the
/// daemon's CPU at 250 calls: docs/sip-load.md.)
const PACE: Duration = Duration::from_millis(1);

/// A leg handed to the thread: its sockets and the media thread's queue.
struct Leg {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    rx: Producer<Dgram>,
}

struct Io {
    new: Sender<Leg>,
    wake: Arc<EventFd>,
}

static IO: OnceLock<Option<Io>> = OnceLock::new();

/// Starts reading a leg's RTP and RTCP sockets (non-blocking) into `rx`, the media
/// thread's queue, until the media thread drops the other end. Starts the thread on first
/// use; `false` when it could not be started (the leg then has no incoming media).
pub(crate) fn register(rtp: Arc<UdpSocket>, rtcp: Arc<UdpSocket>, rx: Producer<Dgram>) -> bool {
    let Some(io) = IO.get_or_init(start) else {
        return false;
    };
    let sent = io.new.send(Leg { rtp, rtcp, rx }).is_ok();
    sent && io.wake.write(1).is_ok()
}

fn start() -> Option<Io> {
    let setup = || -> nix::Result<(Epoll, Arc<EventFd>)> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let wake = Arc::new(EventFd::from_flags(
            EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK,
        )?);
        epoll.add(wake.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, WAKE))?;
        Ok((epoll, wake))
    };
    let (epoll, wake) = match setup() {
        Ok(x) => x,
        Err(e) => {
            error!("rtp socket thread: epoll: {e}");
            return None;
        }
    };
    let (tx, rx) = channel();
    let thread_wake = Arc::clone(&wake);
    let spawned = std::thread::Builder::new()
        .name("rtp-io".into())
        .spawn(move || {
            crate::media::set_fifo("rtp socket thread", PRIORITY);
            run(&epoll, &thread_wake, &rx);
        });
    if let Err(e) = spawned {
        error!("rtp socket thread: {e}");
        return None;
    }
    Some(Io { new: tx, wake })
}

/// The legs being read, by index; a freed index is reused.
#[derive(Default)]
struct Legs {
    legs: Vec<Option<Leg>>,
    free: Vec<usize>,
}

impl Legs {
    fn add(&mut self, epoll: &Epoll, leg: Leg) {
        let i = self.free.pop().unwrap_or_else(|| {
            self.legs.push(None);
            self.legs.len() - 1
        });
        let token = 2 * i as u64;
        let added = epoll
            .add(leg.rtp.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, token))
            .and_then(|()| {
                epoll.add(
                    leg.rtcp.as_fd(),
                    EpollEvent::new(EpollFlags::EPOLLIN, token + 1),
                )
            });
        if let Err(e) = added {
            warn!("rtp socket thread: cannot watch a leg's sockets ({e}): it has no media in");
            let _ = epoll.delete(leg.rtp.as_fd());
            self.free.push(i);
            return;
        }
        self.legs[i] = Some(leg);
    }

    /// Closes the legs the media thread let go of.
    fn sweep(&mut self, epoll: &Epoll) {
        for (i, slot) in self.legs.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|l| l.rx.is_abandoned()) {
                if let Some(l) = slot.take() {
                    let _ = epoll.delete(l.rtp.as_fd());
                    let _ = epoll.delete(l.rtcp.as_fd());
                }
                self.free.push(i);
            }
        }
    }

    /// Reads up to [`BURST`] datagrams of the socket behind `token` into its queue.
    fn read(&mut self, token: u64, buf: &mut [u8; DGRAM_MAX + 1]) {
        let Some(Some(leg)) = usize::try_from(token / 2)
            .ok()
            .and_then(|i| self.legs.get_mut(i))
        else {
            return;
        };
        let rtcp = token % 2 == 1;
        let sock = if rtcp { &leg.rtcp } else { &leg.rtp };
        for _ in 0..BURST {
            match sock.recv_from(buf) {
                // One octet more than a queue item holds: a longer datagram reads as
                // DGRAM_MAX + 1 octets (the kernel truncates it) and is dropped whole.
                Ok((n, from)) if n > DGRAM_MAX => {
                    debug!(%from, len = n, "rtp: datagram too large for the media queue, dropped");
                }
                Ok((n, addr)) => {
                    let mut d = Dgram {
                        len: u16::try_from(n).unwrap_or(0),
                        addr,
                        buf: [0; DGRAM_MAX],
                    };
                    d.buf[..n].copy_from_slice(&buf[..n]);
                    // Full: the media thread is behind; the datagram is lost like one the
                    // network dropped (the jitter buffer conceals it).
                    let _ = leg.rx.push(d);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    debug!("rtp: receive: {e}");
                    return;
                }
            }
        }
    }
}

fn run(epoll: &Epoll, wake: &EventFd, new: &Receiver<Leg>) {
    let mut legs = Legs::default();
    let mut events = [EpollEvent::empty(); 256];
    let mut buf = [0u8; DGRAM_MAX + 1];
    let mut swept = Instant::now();
    loop {
        let n = match epoll.wait(&mut events, 100u16) {
            Ok(n) => n,
            Err(Errno::EINTR) => 0,
            Err(e) => {
                error!("rtp socket thread: epoll_wait: {e}; no more media in");
                return;
            }
        };
        for ev in &events[..n] {
            if ev.data() == WAKE {
                let _ = wake.read();
            } else {
                legs.read(ev.data(), &mut buf);
            }
        }
        while let Ok(l) = new.try_recv() {
            legs.add(epoll, l);
        }
        if swept.elapsed() >= SWEEP {
            swept = Instant::now();
            legs.sweep(epoll);
        }
        if n > 0 {
            std::thread::sleep(PACE);
        }
    }
}
