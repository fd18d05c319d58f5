//! Audio from A to B through the jitter buffer over a simulated network with seeded
//! jitter, loss, reordering and duplication: delay stays bounded, losses are concealed and
//! counted, the RR B sends reports the injected loss, and the A.8 jitter estimate matches
//! the injected jitter.

mod sim;

use rtp::session::Event;
use sim::{Link, Pair, tone};

/// Tone bursts: 60 ms of 1 kHz every 200 ms.
fn bursts(t: usize) -> [i16; 8] {
    if t % 200 < 60 {
        tone(t, 1000.0, 8000.0)
    } else {
        [0; 8]
    }
}

/// The delays (ms) from each burst's start at A to its onset in B's output.
fn onset_delays(out: &[i16]) -> Vec<usize> {
    let ms: Vec<i16> = out
        .chunks(8)
        .map(|c| c.iter().map(|s| s.saturating_abs()).max().unwrap_or(0))
        .collect();
    let mut delays = Vec::new();
    let mut quiet = 0;
    for (t, &peak) in ms.iter().enumerate() {
        if peak < 300 {
            quiet += 1;
            continue;
        }
        if quiet >= 40 && peak > 2000 {
            let start = t / 200 * 200;
            let start = if t - start < 10 { start - 200 } else { start };
            delays.push(t - start);
        }
        quiet = 0;
    }
    delays
}

#[test]
fn clean_network_adds_at_most_ptime_plus_10ms() {
    let mut p = Pair::new(1, Link::clean(30), Link::clean(30));
    let out = p.run_a_to_b(5_000, bursts);
    let d = onset_delays(&out);
    assert!(d.len() >= 20, "{d:?}");
    for &x in &d[4..] {
        // 30 ms network, 20 ms packetisation, at most 10 ms of jitter buffer (+1 ms steps).
        assert!((50..=61).contains(&x), "delay {x} ms: {d:?}");
    }
    let s = p.b.jitter_stats();
    assert_eq!(s.concealed_chunks, 0, "{s:?}");
    assert_eq!(s.late, 0);
}

#[test]
fn jitter_loss_reorder_duplicates_are_absorbed_and_reported() {
    let lossy = Link {
        jitter_us: 40_000,
        loss: 0.05,
        duplicate: 0.02,
        ..Link::clean(30)
    };
    let mut p = Pair::new(7, lossy.clone(), lossy);
    let out = p.run_a_to_b(30_000, bursts);

    // Bounded delay: 30 ms network + 20 ms packetisation + at most ~40 ms jitter + 10 ms.
    let d = onset_delays(&out);
    assert!(d.len() >= 100, "{} onsets", d.len());
    let late: Vec<_> = d[10..]
        .iter()
        .filter(|&&x| !(50..=100).contains(&x))
        .collect();
    assert!(late.len() <= 3, "delays out of range: {late:?} of {d:?}");

    let js = p.b.jitter_stats();
    eprintln!(
        "delays {:?}\n{js:?}\ntarget {} ms",
        &d[..20],
        p.b.jitter_buffer().target_delay_ms()
    );
    let packets = p.ab.rtp_sent as f64;
    assert!(js.duplicates > 0, "{js:?}");
    assert!((js.late as f64) < 0.02 * packets, "{js:?}");
    // Every dropped 20 ms packet is 20 concealed chunks: "concealed" when later audio had
    // arrived, "underrun" when it was the newest (the start of the stream is underrun too).
    let dropped = p.ab.rtp_dropped as f64;
    let concealed_packets = (js.concealed_chunks + js.underrun_chunks) as f64 / 20.0;
    assert!(
        concealed_packets >= 0.95 * dropped && concealed_packets <= dropped + js.late as f64 + 5.0,
        "concealed {concealed_packets} packets for {dropped} dropped: {js:?}"
    );

    // A.3 loss at B matches what the network dropped (duplicates count as received).
    let rx = p.b.reception().unwrap();
    let injected = p.ab.rtp_dropped as i64 - p.ab.rtp_duplicated as i64;
    assert!(
        (rx.lost - injected).abs() <= 3,
        "lost {} vs injected {injected}",
        rx.lost
    );

    // A.8 jitter of uniform U(0, 40 ms) extra delay converges to E|D| = 40/3 ms.
    let expect = 40.0 * 8.0 / 3.0;
    eprintln!("{rx:?} injected {injected}");
    let j = f64::from(rx.jitter);
    assert!(
        (j - expect).abs() < 0.25 * expect,
        "jitter {j} units, expected ~{expect}"
    );

    // B's RRs reach A: the fractions average near the injected 5 %, and the BYE compound
    // carries B's final cumulative count.
    let reports: Vec<_> = p
        .a_events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::ReceiverReport(r) => Some(*r),
            _ => None,
        })
        .collect();
    assert!(reports.len() >= 5, "{} reports", reports.len());
    let mean = reports[1..]
        .iter()
        .map(|r| f64::from(r.fraction_lost) / 256.0)
        .sum::<f64>()
        / (reports.len() - 1) as f64;
    assert!((0.02..=0.08).contains(&mean), "mean fraction lost {mean}");
    assert!(reports.iter().all(|r| r.rtt.is_some()), "{reports:?}");
    let final_lost = p.b.reception().unwrap().lost;
    let now = p.now;
    p.b.close(now);
    p.ba.loss = 0.0;
    p.run_a_to_b(200, |_| [0; 8]);
    let last = p
        .a_events
        .iter()
        .rev()
        .find_map(|(_, e)| match e {
            Event::ReceiverReport(r) => Some(*r),
            _ => None,
        })
        .unwrap();
    assert!((i64::from(last.cumulative_lost) - final_lost).abs() <= 3);
    assert!(
        p.a_events
            .iter()
            .any(|(_, e)| matches!(e, Event::RemoteBye { .. }))
    );
}
