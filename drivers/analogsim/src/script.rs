//! The script language of `analog-sim`: commands separated by `;`.
//!
//! | command | role | does |
//! |---|---|---|
//! | `offhook` / `onhook` | phone | seize the line / hang up |
//! | `answer` | both | phone: answer a ringing line; co: answer the number the phone dialled |
//! | `dial DIGITS` / `pulse DIGITS` | phone | dial by DTMF / by loop-disconnect pulses |
//! | `flash` | phone | hook flash |
//! | `ring [NUMBER]` | co | ring the phone, with NUMBER as caller ID |
//! | `hangup` | co | clear: the configured disconnect signals, busy tone |
//! | `play TONE` | co | ringback, busy, congestion, dial |
//! | `tone HZ MS` | both | send a sine of HZ (−10 dBm0) for MS where the machine sends nothing (a connected call) |
//! | `sleep MS` | both | wait MS milliseconds |
//! | `wait EVENT [ARG] [MS]` | both | wait (at most MS, default 10000) for an event |
//!
//! Events a phone can wait for: `dialtone`, `ringback`, `busy`, `congestion`, `ring [N]`,
//! `cid`, `answered`, `dialcomplete`, `disconnected`, `battery`, `nobattery`, `reversed`.
//! A CO: `offhook`, `onhook`, `dialed`, `answered`, `flash`, `digit`, `cidsent`.

/// One script command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cmd {
    OffHook,
    OnHook,
    Answer,
    Dial(String),
    Pulse(String),
    Flash,
    Ring(Option<String>),
    Hangup,
    Play(String),
    Tone {
        hz: u32,
        ms: u64,
    },
    Sleep(u64),
    Wait {
        event: String,
        arg: Option<u32>,
        timeout_ms: u64,
    },
}

/// Default `wait` limit.
pub(crate) const WAIT_MS: u64 = 10_000;

/// Parses a script.
///
/// # Errors
/// A message naming the bad command.
pub(crate) fn parse(s: &str) -> Result<Vec<Cmd>, String> {
    let mut out = Vec::new();
    for part in s.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let Some((&verb, rest)) = words.split_first() else {
            continue;
        };
        let num = |w: &str| {
            w.parse::<u64>()
                .map_err(|_| format!("{part:?}: {w:?} is not a number"))
        };
        let one = |what: &str| match rest {
            [x] => Ok((*x).to_owned()),
            _ => Err(format!("{part:?}: {verb} takes one {what}")),
        };
        let cmd = match verb {
            "offhook" => Cmd::OffHook,
            "onhook" => Cmd::OnHook,
            "answer" => Cmd::Answer,
            "flash" => Cmd::Flash,
            "hangup" => Cmd::Hangup,
            "dial" => Cmd::Dial(one("digit string")?),
            "pulse" => Cmd::Pulse(one("digit string")?),
            "play" => Cmd::Play(one("tone")?),
            "ring" => match rest {
                [] => Cmd::Ring(None),
                [n] => Cmd::Ring(Some((*n).to_owned())),
                _ => return Err(format!("{part:?}: ring takes at most a number")),
            },
            "sleep" => Cmd::Sleep(num(&one("duration")?)?),
            "tone" => match rest {
                [hz, ms] => Cmd::Tone {
                    hz: u32::try_from(num(hz)?)
                        .ok()
                        .filter(|h| (1..4000).contains(h))
                        .ok_or_else(|| format!("{part:?}: frequency 1-3999 Hz"))?,
                    ms: num(ms)?,
                },
                _ => return Err(format!("{part:?}: tone takes HZ and MS")),
            },
            "wait" => {
                let Some((&event, args)) = rest.split_first() else {
                    return Err(format!("{part:?}: wait for what?"));
                };
                let (arg, timeout_ms) = match args {
                    [] => (None, WAIT_MS),
                    [t] if event != "ring" => (None, num(t)?),
                    [a] => (Some(num(a)? as u32), WAIT_MS),
                    [a, t] => (Some(num(a)? as u32), num(t)?),
                    _ => return Err(format!("{part:?}: too many words")),
                };
                Cmd::Wait {
                    event: event.to_owned(),
                    arg,
                    timeout_ms,
                }
            }
            other => return Err(format!("unknown command {other:?}")),
        };
        out.push(cmd);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_phone_script() {
        let s = parse("offhook; wait dialtone; dial 123#; wait ring 2 9000; wait ringback 20000;")
            .unwrap();
        assert_eq!(
            s,
            [
                Cmd::OffHook,
                Cmd::Wait {
                    event: "dialtone".into(),
                    arg: None,
                    timeout_ms: WAIT_MS
                },
                Cmd::Dial("123#".into()),
                Cmd::Wait {
                    event: "ring".into(),
                    arg: Some(2),
                    timeout_ms: 9000
                },
                Cmd::Wait {
                    event: "ringback".into(),
                    arg: None,
                    timeout_ms: 20000
                },
            ]
        );
        assert!(parse("jump").is_err());
        assert!(parse("sleep x").is_err());
        assert!(parse("dial").is_err());
    }
}
