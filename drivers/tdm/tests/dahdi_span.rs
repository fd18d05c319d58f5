//! `DahdiSpan` and discovery over a recorded kernel.
//!
//! **Test double, on purpose:** the DAHDI kernel modules cannot load on the development
//! machines or in CI (no card, no module build), so no real component can answer here.
//! `FakeKernel` implements the backend's `Device`/`ChannelDevice` traits and plays back what
//! the kernel answers per dahdi-linux 2.11 (`DAHDI_SPANSTAT` values as `dahdi_scan` prints them
//! for a TE205P E1 port, one 8-byte block per `read` after `DAHDI_SET_BLOCKSIZE` 8, frame + 2 FCS
//! bytes per D-channel `read`, errno 500 (`ELAST`) while an event waits, alarms posted on every
//! channel of the span). It exercises everything above the ioctls; the ioctls themselves are
//! checked only for layout (tests/dahdi_layout.rs) and have never run against a kernel
//! (docs/dahdi.md).
#![cfg(feature = "dahdi")]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ffi::c_int;
use std::io;
use std::rc::Rc;

use tdm::dahdi::sys::{
    self, DAHDI_CONFIG_CCS, DAHDI_CONFIG_CRC4, DAHDI_CONFIG_HDB3, DAHDI_SIG_CAS, DAHDI_SIG_CLEAR,
    DAHDI_SIG_HARDHDLC, DahdiBufferInfo, DahdiParams, DahdiSpanInfo,
};
use tdm::dahdi::{
    ChannelDevice, DahdiError, DahdiSpan, Device, DeviceRoot, chan, describe_spans, scan,
};
use tdm::{Alarms, Chunk, Coding, Framing, Loopback, Span, SpanEvent, SpanKind};

const EINVAL: i32 = 22;

#[derive(Default)]
struct State {
    spans: BTreeMap<u32, DahdiSpanInfo>,
    params: BTreeMap<u32, DahdiParams>,
    rx: HashMap<u32, VecDeque<Vec<u8>>>,
    tx: HashMap<u32, Vec<Vec<u8>>>,
    events: HashMap<u32, VecDeque<c_int>>,
    rxbits: HashMap<u32, c_int>,
    txbits: HashMap<u32, c_int>,
    blocksize: HashMap<u32, c_int>,
    bufinfo: HashMap<u32, DahdiBufferInfo>,
    maint: Vec<(u32, c_int)>,
    buffer_events: Vec<u32>,
    tx_full: bool,
}

#[derive(Clone, Default)]
struct FakeKernel(Rc<RefCell<State>>);

impl std::fmt::Debug for FakeKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeKernel")
    }
}

#[derive(Debug)]
struct FakeChan {
    channo: u32,
    k: FakeKernel,
}

fn einval() -> io::Error {
    io::Error::from_raw_os_error(EINVAL)
}

impl Device for FakeKernel {
    type Channel = FakeChan;
    fn spanstat(&self, span: u32) -> io::Result<DahdiSpanInfo> {
        self.0.borrow().spans.get(&span).copied().ok_or_else(einval)
    }
    fn params(&self, channo: u32) -> io::Result<DahdiParams> {
        self.0
            .borrow()
            .params
            .get(&channo)
            .copied()
            .ok_or_else(einval)
    }
    fn maint(&self, span: u32, command: c_int) -> io::Result<()> {
        self.0.borrow_mut().maint.push((span, command));
        Ok(())
    }
    fn open_channel(&self, channo: u32) -> io::Result<FakeChan> {
        if !self.0.borrow().params.contains_key(&channo) {
            return Err(einval());
        }
        Ok(FakeChan {
            channo,
            k: self.clone(),
        })
    }
}

impl ChannelDevice for FakeChan {
    fn set_blocksize(&mut self, size: c_int) -> io::Result<()> {
        self.k.0.borrow_mut().blocksize.insert(self.channo, size);
        Ok(())
    }
    fn set_bufinfo(&mut self, info: &DahdiBufferInfo) -> io::Result<()> {
        self.k.0.borrow_mut().bufinfo.insert(self.channo, *info);
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = self.k.0.borrow_mut();
        if s.events.get(&self.channo).is_some_and(|q| !q.is_empty()) {
            return Err(io::Error::from_raw_os_error(sys::DAHDI_ELAST));
        }
        let Some(data) = s.rx.get_mut(&self.channo).and_then(VecDeque::pop_front) else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        Ok(n)
    }
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = self.k.0.borrow_mut();
        if s.tx_full {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        s.tx.entry(self.channo).or_default().push(buf.to_vec());
        Ok(buf.len())
    }
    fn event(&mut self) -> io::Result<c_int> {
        let mut s = self.k.0.borrow_mut();
        Ok(s.events
            .get_mut(&self.channo)
            .and_then(VecDeque::pop_front)
            .unwrap_or(0))
    }
    fn rx_bits(&self) -> io::Result<c_int> {
        self.k
            .0
            .borrow()
            .rxbits
            .get(&self.channo)
            .copied()
            .ok_or_else(einval)
    }
    fn set_tx_bits(&mut self, bits: c_int) -> io::Result<()> {
        self.k.0.borrow_mut().txbits.insert(self.channo, bits);
        Ok(())
    }
    fn set_buffer_events(&mut self, on: bool) -> io::Result<()> {
        assert!(on);
        self.k.0.borrow_mut().buffer_events.push(self.channo);
        Ok(())
    }
}

/// Span 1: a TE205P E1 port, CCS/HDB3/CRC4, channels 1..=31, 16 `hardhdlc`, the rest `bchan`.
/// Span 2: a T1 port (channels 32..). Span 3: E1 CAS (R2), channels 56..=86.
fn kernel() -> FakeKernel {
    let k = FakeKernel::default();
    {
        let mut s = k.0.borrow_mut();
        let mut e1 = DahdiSpanInfo::for_span(1);
        sys::set_c_text(&mut e1.name, "TE2/0/1");
        sys::set_c_text(&mut e1.manufacturer, "Digium");
        sys::set_c_text(&mut e1.spantype, "E1");
        e1.totalchans = 31;
        e1.numchans = 31;
        e1.syncsrc = 1;
        e1.lineconfig = DAHDI_CONFIG_CCS | DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4;
        e1.bpvcount = 2;
        e1.crc4count = 4;
        s.spans.insert(1, e1);
        for pos in 1..=31 {
            let mut p = DahdiParams::for_channel(pos);
            p.spanno = 1;
            p.chanpos = pos;
            p.sigtype = if pos == 16 {
                DAHDI_SIG_HARDHDLC
            } else {
                DAHDI_SIG_CLEAR
            };
            s.params.insert(pos as u32, p);
        }
        let mut t1 = DahdiSpanInfo::for_span(2);
        sys::set_c_text(&mut t1.spantype, "T1");
        t1.totalchans = 24;
        s.spans.insert(2, t1);
        for pos in 1..=24 {
            let mut p = DahdiParams::for_channel(31 + pos);
            p.spanno = 2;
            p.chanpos = pos;
            p.sigtype = DAHDI_SIG_CLEAR;
            s.params.insert((31 + pos) as u32, p);
        }
        let mut cas = e1;
        cas.spanno = 3;
        cas.lineconfig = DAHDI_CONFIG_HDB3;
        s.spans.insert(3, cas);
        for pos in 1..=31 {
            let mut p = DahdiParams::for_channel(55 + pos);
            p.spanno = 3;
            p.chanpos = pos;
            // TS16 carries the CAS bits: left unconfigured, as system.conf `cas=1-15,17-31`.
            p.sigtype = if pos == 16 { 0 } else { DAHDI_SIG_CAS };
            s.params.insert((55 + pos) as u32, p);
        }
    }
    k
}

fn pri() -> (FakeKernel, DahdiSpan<FakeKernel>) {
    let k = kernel();
    let span = DahdiSpan::with_device(k.clone(), 1).expect("open span 1");
    (k, span)
}

#[test]
fn open_finds_bchannels_and_the_hardhdlc_dchannel_and_sets_their_buffers() {
    let (k, span) = pri();
    let b = span.bearer_channels();
    assert_eq!(b.len(), 30);
    assert!(
        b.iter()
            .all(|&(channo, slot)| channo as usize == slot && slot != 16)
    );
    assert_eq!(span.dchannel(), Some((16, 16, true)));
    let s = k.0.borrow();
    for &(channo, _) in &b {
        assert_eq!(s.blocksize[&channo], 8, "channel {channo} block size");
        assert_eq!(s.bufinfo[&channo], chan::bearer_bufinfo());
    }
    assert!(!s.blocksize.contains_key(&16));
    assert_eq!(
        s.buffer_events.len(),
        30,
        "READ_OVERRUN events on for every B-channel"
    );
    assert_eq!(s.bufinfo[&16], chan::dchannel_bufinfo());
    let i = span.info();
    assert_eq!((i.span, i.kind, i.total_channels), (1, SpanKind::E1, 31));
    assert_eq!(
        (i.framing, i.coding, i.crc4),
        (Framing::Ccs, Coding::Hdb3, true)
    );
    assert_eq!(i.sync_source, Some(1));
    assert_eq!(span.description().manufacturer, "Digium");
}

#[test]
fn chunks_map_channels_to_timeslots_both_ways() {
    let (k, mut span) = pri();
    let mut out = [[0u8; 8]; 32];
    assert_eq!(
        span.read_chunk(&mut out).unwrap(),
        0,
        "nothing received yet"
    );
    {
        let mut s = k.0.borrow_mut();
        for ch in (1..=31u32).filter(|&c| c != 16) {
            s.rx.entry(ch).or_default().push_back(vec![ch as u8; 8]);
        }
    }
    assert_eq!(span.read_chunk(&mut out).unwrap(), 32);
    for (ts, chunk) in out.iter().enumerate() {
        let want = if ts == 0 || ts == 16 {
            [0xD5; 8]
        } else {
            [ts as u8; 8]
        };
        assert_eq!(*chunk, want, "timeslot {ts}");
    }
    assert_eq!(span.read_chunk(&mut out).unwrap(), 0);
    assert!(matches!(
        span.read_chunk(&mut out[..31]),
        Err(DahdiError::BufferTooShort { need: 32, got: 31 })
    ));

    let tx: Vec<Chunk> = (0..32u8).map(|ts| [ts.wrapping_mul(3); 8]).collect();
    span.write_chunk(&tx).unwrap();
    {
        let s = k.0.borrow();
        assert!(
            !s.tx.contains_key(&16),
            "the D-channel timeslot is not written as audio"
        );
        for ch in (1..=31u32).filter(|&c| c != 16) {
            assert_eq!(s.tx[&ch], vec![vec![(ch as u8).wrapping_mul(3); 8]]);
        }
    }
    k.0.borrow_mut().tx_full = true;
    assert!(matches!(span.write_chunk(&tx), Err(DahdiError::QueueFull)));
}

#[test]
fn dchannel_frames_lose_their_fcs_on_read_and_get_room_for_it_on_write() {
    let (k, mut span) = pri();
    let mut buf = [0u8; 300];
    assert_eq!(span.read_dchannel(&mut buf).unwrap(), None);
    // SABME from the network, as the card hands it over: frame then 2 FCS bytes.
    k.0.borrow_mut()
        .rx
        .entry(16)
        .or_default()
        .extend([vec![0x02, 0x01, 0x7f, 0xAB, 0xCD], vec![0x11]]);
    assert_eq!(span.read_dchannel(&mut buf).unwrap(), Some(3));
    assert_eq!(&buf[..3], &[0x02, 0x01, 0x7f]);
    // A read too short to hold a frame is counted as an abort.
    assert_eq!(span.read_dchannel(&mut buf).unwrap(), None);
    assert_eq!(span.poll_event(), Some(SpanEvent::Abort));

    span.write_dchannel(&[0x02, 0x01, 0x73]).unwrap();
    assert_eq!(k.0.borrow().tx[&16], vec![vec![0x02, 0x01, 0x73, 0, 0]]);
    assert!(matches!(
        span.write_dchannel(&[]),
        Err(DahdiError::FrameLength { len: 0, .. })
    ));
    assert!(matches!(
        span.write_dchannel(&[0; 1023]),
        Err(DahdiError::FrameLength {
            len: 1023,
            max: 1022
        })
    ));
    let c = span.counters();
    assert_eq!((c.dchan_rx, c.dchan_tx, c.dchan_aborts), (1, 1, 1));
    assert_eq!(
        (c.bpv, c.crc4),
        (2, 4),
        "line counters come from DAHDI_SPANSTAT"
    );
}

#[test]
fn a_bad_fcs_event_blocking_the_dchannel_read_is_drained_and_reported() {
    let (k, mut span) = pri();
    {
        let mut s = k.0.borrow_mut();
        s.events
            .entry(16)
            .or_default()
            .push_back(sys::DAHDI_EVENT_BADFCS);
        s.rx.entry(16)
            .or_default()
            .push_back(vec![0x02, 0x01, 0x01, 0x01, 0, 0]);
    }
    let mut buf = [0u8; 64];
    assert_eq!(
        span.read_dchannel(&mut buf).unwrap(),
        None,
        "ELAST: the event first"
    );
    assert_eq!(span.read_dchannel(&mut buf).unwrap(), Some(4));
    assert_eq!(span.poll_event(), Some(SpanEvent::BadFcs));
    assert_eq!(span.poll_event(), None);
    assert_eq!(span.counters().dchan_bad_fcs, 1);
}

#[test]
fn an_alarm_posted_on_every_channel_is_reported_once_with_the_spans_alarms() {
    let (k, mut span) = pri();
    assert!(span.alarms().is_empty());
    {
        let mut s = k.0.borrow_mut();
        s.spans.get_mut(&1).unwrap().alarms = (Alarms::RED | Alarms::LOS).bits() as c_int;
        for ch in 1..=31 {
            s.events
                .entry(ch)
                .or_default()
                .push_back(sys::DAHDI_EVENT_ALARM);
        }
    }
    assert_eq!(span.alarms(), Alarms::RED | Alarms::LOS);
    assert_eq!(
        span.poll_event(),
        Some(SpanEvent::Alarms(Alarms::RED | Alarms::LOS))
    );
    assert_eq!(span.poll_event(), None);
    {
        let mut s = k.0.borrow_mut();
        s.spans.get_mut(&1).unwrap().alarms = 0;
        s.events
            .entry(3)
            .or_default()
            .push_back(sys::DAHDI_EVENT_NOALARM);
    }
    assert_eq!(span.poll_event(), Some(SpanEvent::Alarms(Alarms::NONE)));
    // A read overrun only moves a counter.
    k.0.borrow_mut()
        .events
        .entry(5)
        .or_default()
        .push_back(sys::DAHDI_EVENT_READ_OVERRUN);
    assert_eq!(span.poll_event(), None);
    assert_eq!(span.counters().rx_overruns, 1);
}

#[test]
fn loopbacks_go_out_as_dahdi_maint_commands() {
    let (k, mut span) = pri();
    span.set_loopback(Loopback::Local).unwrap();
    span.set_loopback(Loopback::Payload).unwrap();
    span.set_loopback(Loopback::None).unwrap();
    assert_eq!(k.0.borrow().maint, vec![(1, 1), (1, 13), (1, 0)]);
    span.set_loopback(Loopback::Network).unwrap();
    assert_eq!(span.info().loopback, Loopback::Network);
}

#[test]
fn cas_bits_go_through_settxbits_and_getrxbits() {
    let k = kernel();
    let mut span = DahdiSpan::with_device(k.clone(), 3).unwrap();
    assert_eq!(span.bearer_channels().len(), 30);
    assert_eq!(span.dchannel(), None);
    assert!(matches!(
        span.write_dchannel(&[1, 2, 3]),
        Err(DahdiError::NoDChannel(3))
    ));
    assert_eq!(span.info().framing, Framing::Cas);
    // Timeslot 1 is channel 56.
    span.set_abcd(1, 0b1001).unwrap();
    assert_eq!(k.0.borrow().txbits[&56], 0b1001);
    assert!(matches!(span.set_abcd(16, 0), Err(DahdiError::NotCas(16))));
    k.0.borrow_mut().rxbits.insert(57, 0b1101);
    assert_eq!(span.abcd(2), Some(0b1101));
    k.0.borrow_mut()
        .events
        .entry(57)
        .or_default()
        .push_back(sys::DAHDI_EVENT_BITSCHANGED);
    assert_eq!(
        span.poll_event(),
        Some(SpanEvent::AbcdChanged {
            channel: 2,
            abcd: 0b1101
        })
    );
}

#[test]
fn discovery_lists_every_span_and_drives_only_e1_and_analog() {
    let k = kernel();
    let spans = describe_spans(&k);
    assert_eq!(spans.len(), 3);
    assert_eq!(spans[0].name, "TE2/0/1");
    assert_eq!(spans[0].info.unwrap().kind, SpanKind::E1);
    assert_eq!(spans[1].span_type, "T1");
    assert!(spans[1].info.is_none());
    assert!(matches!(
        DahdiSpan::with_device(k.clone(), 2),
        Err(DahdiError::UnsupportedSpan { span: 2, .. })
    ));
    assert!(matches!(
        DahdiSpan::with_device(k, 9),
        Err(DahdiError::NoSuchSpan(9))
    ));
}

#[test]
fn a_missing_device_root_is_a_typed_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = DeviceRoot::new(dir.path().join("no-dahdi"));
    let err = DahdiSpan::open(&root, 1).unwrap_err();
    let DahdiError::Open { path, source } = &err else {
        panic!("want Open, got {err:?}");
    };
    assert_eq!(*path, root.ctl());
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("no-dahdi/ctl"), "{err}");
    assert!(matches!(scan(&root), Err(DahdiError::Open { .. })));
    assert_eq!(
        DeviceRoot::default().ctl(),
        std::path::Path::new("/dev/dahdi/ctl")
    );
    assert_eq!(
        DeviceRoot::default().channel(),
        std::path::Path::new("/dev/dahdi/channel")
    );
}
