//! Audio between a SIP (packet) channel and an E1 (TDM) channel through the media path with
//! the echo canceller on: what the SIP side says reaches the line unchanged, what the line
//! says reaches the SIP side, and the line's hybrid echo of the SIP side's own voice is
//! cancelled (the canceller's far-end reference is aligned with what was sent).
use media_dsp::g711::Law;
use media_dsp::level::{mean_power, power_to_dbm0, rms_for_dbm0};
use media_dsp::noise::Noise;
use media_dsp::tones::Country;
use switch::engine::{BridgeId, LegId, MediaCommand};
use switch::media::{CHUNK, FRAME, MediaPath, TdmConfig};

const TDM: usize = 0;
const SIP: usize = 1;

fn bridged() -> MediaPath {
    let mut m = MediaPath::new(2, 0, Country::Etsi);
    m.set_tdm(TDM, TdmConfig::default()).unwrap();
    m.set_packet(SIP, Law::Alaw).unwrap();
    m.apply(
        &MediaCommand::Bridge {
            bridge: BridgeId(1),
            legs: vec![LegId(0), LegId(1)],
        },
        |l| Some(l.0 as usize),
    )
    .unwrap();
    m
}

#[test]
fn sip_speech_reaches_the_line_and_line_speech_reaches_sip() {
    let mut m = bridged();
    // SIP → TDM: the payload bytes come out on the timeslot unchanged (A-law both sides),
    // one chunk later than they were queued (no jitter headroom asked for here).
    let payload: Vec<u8> = (0..FRAME).map(|i| (i * 7 % 256) as u8).collect();
    m.packet_rx(SIP, &payload).unwrap();
    let mut line = Vec::new();
    for _ in 0..20 {
        m.tdm_rx(TDM, &[0xd5; CHUNK]).unwrap();
        m.tick();
        line.extend_from_slice(m.tdm_tx(TDM).unwrap());
    }
    assert_eq!(line, payload);

    // TDM → SIP: a 1 kHz tone at -10 dBm0 on the line arrives at the SIP side at the same
    // level (the canceller, with nothing sent to the line, leaves it alone).
    let mut m = bridged();
    let tone: Vec<i16> = (0..8000)
        .map(|n| {
            (media_dsp::level::sine_peak(-10.0)
                * (core::f32::consts::TAU * 1000.0 * n as f32 / 8000.0).sin()) as i16
        })
        .collect();
    let mut alaw = vec![0u8; tone.len()];
    Law::Alaw.encode(&tone, &mut alaw);
    let mut out = Vec::new();
    for c in alaw.chunks_exact(CHUNK) {
        m.tdm_rx(TDM, c.try_into().unwrap()).unwrap();
        m.tick();
        if let Some(p) = m.poll_frame(SIP) {
            let mut lin = [0i16; FRAME];
            Law::Alaw.decode(p, &mut lin);
            out.extend_from_slice(&lin);
        }
    }
    assert_eq!(out.len(), 8000);
    let level = power_to_dbm0(mean_power(&out[4000..]));
    assert!((level + 10.0).abs() < 0.5, "{level} dBm0");
}

#[test]
fn the_lines_echo_of_the_sip_side_is_cancelled() {
    let mut m = bridged();
    let mut noise = Noise::new(42);
    // What the line returns: 12 dB down, 5 ms later (a typical hybrid, ERL 12 dB).
    let delay = 40;
    let mut sent: Vec<i16> = vec![0; delay + CHUNK];
    let mut echo_in = Vec::new();
    let mut to_sip = Vec::new();
    let mut frame = [0i16; FRAME];
    let mut payload = [0u8; FRAME];
    for t in 0..3000 {
        if t % 20 == 0 {
            noise.fill_white(&mut frame, rms_for_dbm0(-15.0));
            Law::Alaw.encode(&frame, &mut payload);
            m.packet_rx(SIP, &payload).unwrap();
        }
        // The chunk the line returns now: the echo of what was sent `delay` samples ago.
        let start = sent.len() - delay - CHUNK;
        let echo: Vec<i16> = sent[start..start + CHUNK].iter().map(|&s| s / 4).collect();
        let mut rx = [0u8; CHUNK];
        Law::Alaw.encode(&echo, &mut rx);
        m.tdm_rx(TDM, &rx).unwrap();
        m.tick();
        let mut tx = [0i16; CHUNK];
        Law::Alaw.decode(m.tdm_tx(TDM).unwrap(), &mut tx);
        sent.extend_from_slice(&tx);
        if t >= 2000 {
            echo_in.extend_from_slice(&echo);
        }
        if let Some(p) = m.poll_frame(SIP)
            && t >= 2000
        {
            let mut lin = [0i16; FRAME];
            Law::Alaw.decode(p, &mut lin);
            to_sip.extend_from_slice(&lin);
        }
    }
    let echo_db = power_to_dbm0(mean_power(&echo_in));
    let left_db = power_to_dbm0(mean_power(&to_sip).max(1e-3));
    // G.168 asks for the echo to be at least ~27 dB below the far end after convergence,
    // including the NLP; with the 12 dB ERL here that is 15 dB or more of ERLE.
    assert!(echo_db > -30.0, "the echo is there: {echo_db} dBm0");
    assert!(
        left_db < echo_db - 15.0,
        "echo {echo_db} dBm0, left {left_db} dBm0"
    );
}
