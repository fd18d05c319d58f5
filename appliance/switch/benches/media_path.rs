//! Criterion bench of the media path: TDM (A-law, 1 ms chunks) ↔ echo canceller (128 ms
//! tail) ↔ DTMF detection ↔ G.711 ↔ 20 ms packet frames, one TDM channel bridged to one
//! packet channel per pair. One iteration is one millisecond tick of the whole box
//! (`tdm_rx` for every TDM slot, `tick`, `tdm_tx`, frames out, and a 20 ms payload in on
//! one pair in twenty), so the time per iteration divided by 1 ms is the share of a core.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::g711::Law;
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;
use media_dsp::tones::Country;
use switch::engine::{BridgeId, LegId, MediaCommand};
use switch::media::{CHUNK, FRAME, MediaPath, TdmConfig};

fn setup(pairs: usize) -> MediaPath {
    let mut m = MediaPath::new(2 * pairs, 0, Country::Etsi);
    for p in 0..pairs {
        m.set_tdm(2 * p, TdmConfig::default()).expect("tdm");
        m.set_packet(2 * p + 1, Law::Alaw).expect("packet");
        m.apply(
            &MediaCommand::Bridge {
                bridge: BridgeId(p as u32),
                legs: vec![LegId(2 * p as u32), LegId(2 * p as u32 + 1)],
            },
            |l| Some(l.0 as usize),
        )
        .expect("bridge");
    }
    m
}

fn media_path(c: &mut Criterion) {
    // One second of -20 dBm0 noise as the line signal, A-law.
    let mut lin = vec![0i16; 8000];
    Noise::new(7).fill_white(&mut lin, rms_for_dbm0(-20.0));
    let mut alaw = vec![0u8; 8000];
    Law::Alaw.encode(&lin, &mut alaw);
    let payload: Vec<u8> = alaw[..FRAME].to_vec();

    let mut g = c.benchmark_group("media_path");
    g.sample_size(20);
    g.measurement_time(std::time::Duration::from_secs(4));
    for pairs in [1usize, 240] {
        let mut m = setup(pairs);
        let mut t = 0usize;
        g.throughput(Throughput::Elements(pairs as u64));
        g.bench_function(format!("tick_1ms_{pairs}_tdm_rtp_pairs_lec128_dtmf"), |b| {
            b.iter(|| {
                let off = (t % 1000) * CHUNK;
                let chunk: &[u8; CHUNK] = alaw[off..off + CHUNK].try_into().expect("chunk");
                for p in 0..pairs {
                    m.tdm_rx(2 * p, chunk).expect("rx");
                }
                // Each packet channel receives one 20 ms frame every 20 ticks, spread out.
                for p in (t % 20..pairs).step_by(20) {
                    m.packet_rx(2 * p + 1, &payload).expect("payload");
                }
                m.tick();
                for p in 0..pairs {
                    std::hint::black_box(m.tdm_tx(2 * p));
                    std::hint::black_box(m.poll_frame(2 * p + 1));
                }
                while m.poll_digit().is_some() {}
                t += 1;
            });
        });
    }
    g.finish();
}

criterion_group!(benches, media_path);
criterion_main!(benches);
