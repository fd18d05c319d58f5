//! G.711 against the real spandsp 0.0.6 library, for every input.
//!
//! spandsp agrees with ITU-T G.191 on A-law encoding, on both decoders and on the G.711
//! transcoding tables, but forms negative µ-law magnitudes as `0x84 - x` where G.191 takes
//! the ones' complement, so it differs on exactly 127 µ-law inputs. We follow G.191.

mod common;

use media_dsp::g711;

#[test]
fn g711_matches_spandsp_except_its_known_ulaw_deviation() {
    let exe = common::build_peer("spandsp_g711", &["spandsp"]);
    let out = std::process::Command::new(&exe).output().expect("run peer");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    let (mut lines, mut ulaw_diffs) = (0, Vec::new());
    for line in text.lines() {
        let f: Vec<i32> = line[2..]
            .split(' ')
            .map(|v| v.parse().expect("number"))
            .collect();
        lines += 1;
        match &line[..1] {
            "E" => {
                let x = f[0] as i16;
                assert_eq!(
                    i32::from(g711::linear_to_alaw(x)),
                    f[1],
                    "A-law encode of {x}"
                );
                if i32::from(g711::linear_to_ulaw(x)) != f[2] {
                    ulaw_diffs.push(x);
                }
            }
            "D" => {
                let c = f[0] as u8;
                assert_eq!(
                    i32::from(g711::alaw_to_linear(c)),
                    f[1],
                    "A-law decode of {c:#04x}"
                );
                assert_eq!(
                    i32::from(g711::ulaw_to_linear(c)),
                    f[2],
                    "µ-law decode of {c:#04x}"
                );
            }
            "T" => {
                let c = f[0] as u8;
                assert_eq!(i32::from(g711::alaw_to_ulaw(c)), f[1], "A->µ of {c:#04x}");
                assert_eq!(i32::from(g711::ulaw_to_alaw(c)), f[2], "µ->A of {c:#04x}");
            }
            other => panic!("unexpected line kind {other}"),
        }
    }
    assert_eq!(lines, 65_536 + 512);
    assert_eq!(ulaw_diffs.len(), 127, "µ-law differences: {ulaw_diffs:?}");
    for &x in &ulaw_diffs {
        assert!(x < 0, "difference on a non-negative input {x}");
        // Where they differ, G.191's ones' complement puts -x in the code of |x|-1.
        assert_eq!(g711::linear_to_ulaw(x), g711::linear_to_ulaw(!x) & 0x7f);
    }
}
