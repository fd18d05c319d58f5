//! Command line of `pri-test`: options, and the parsers of `unix:PATH` and `--impair`.

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{ArgGroup, Parser, ValueEnum};
use tdm::virt::Impairments;

/// Which side of the interface we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    /// User side (CPE, the PBX end of a carrier line).
    Te,
    /// Network side (the exchange end).
    Nt,
}

/// The Q.931 variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SwitchType {
    /// ETSI EN 300 403 (EuroISDN), the default.
    Euroisdn,
    /// QSIG basic call (ECMA-143).
    Qsig,
}

/// CRC-4 handling on the raw E1 line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Crc4Arg {
    /// CRC-4 sent and required (LMFA alarm while the multiframe is missing).
    On,
    /// No CRC-4.
    Off,
    /// CRC-4 sent, falls back to none if the far end has none (G.706 Annex B).
    Auto,
}

/// A PRI test tool: runs one D-channel (Q.921 + Q.931) as TE or NT over a virtual
/// D-channel socket or a raw E1 virtual line, and prints one JSON object per line and event.
#[derive(Debug, Parser)]
#[command(name = "pri-test", version, about, long_about = None)]
#[command(group(ArgGroup::new("transport").required(true).args(["dchannel", "line", "dahdi"])))]
#[command(group(ArgGroup::new("mode").args(["listen", "connect"])))]
pub(crate) struct Args {
    /// Our side: te (user) or nt (network).
    #[arg(long, value_enum)]
    pub(crate) role: RoleArg,
    /// Q.931 variant.
    #[arg(long, value_enum, default_value = "euroisdn")]
    pub(crate) switchtype: SwitchType,
    /// D-channel socket (one LAPD frame with FCS per packet): unix:PATH.
    #[arg(long, value_name = "unix:PATH", value_parser = parse_endpoint)]
    pub(crate) dchannel: Option<PathBuf>,
    /// Raw E1 virtual line (32-byte frames, framer and HDLC run here): unix:PATH.
    #[arg(long, value_name = "unix:PATH", value_parser = parse_endpoint)]
    pub(crate) line: Option<PathBuf>,
    /// A real DAHDI span (1-based) configured by dahdi_cfg with a hardhdlc D-channel: its
    /// D-channel, alarms and counters through tdm's DAHDI backend (see docs/e1-pri.md).
    #[arg(long, value_name = "SPANNO", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) dahdi: Option<u32>,
    /// Directory of the DAHDI device nodes (with --dahdi).
    #[arg(long, value_name = "DIR", default_value = "/dev/dahdi")]
    pub(crate) dahdi_root: PathBuf,
    /// Create the socket at PATH and wait for the far end.
    #[arg(long)]
    pub(crate) listen: bool,
    /// Connect to the far end listening at PATH (retried for up to 10 s).
    #[arg(long)]
    pub(crate) connect: bool,
    /// Place a call to NUMBER once the data link is up.
    #[arg(long, value_name = "NUMBER")]
    pub(crate) call: Option<String>,
    /// Calling party number of our calls.
    #[arg(long, value_name = "NUMBER")]
    pub(crate) from: Option<String>,
    /// Place N calls one after the other (default 1 with --call).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) calls: u32,
    /// Wait MS milliseconds after a call is released before placing the next one (and,
    /// with --calls-after-impair, after the faults are removed before the first one).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub(crate) call_interval: u64,
    /// Hold the --call calls until the --impair faults have been removed again (needs
    /// --impair-for): every call is placed after the fault, on the recovered line.
    #[arg(long)]
    pub(crate) calls_after_impair: bool,
    /// Stop once all --calls have been placed and released (the far end sees the line
    /// close); --exit-after still bounds the run.
    #[arg(long)]
    pub(crate) exit_when_done: bool,
    /// Answer incoming calls: CALL PROCEEDING, ALERTING, CONNECT.
    #[arg(long)]
    pub(crate) auto_answer: bool,
    /// With --auto-answer: send PROGRESS (in-band information available) after CALL
    /// PROCEEDING, as an exchange playing ringback or an announcement does.
    #[arg(long)]
    pub(crate) inband_progress: bool,
    /// Send NOTIFY with notification description N (decimal, e.g. 121 remote hold) on
    /// each call once it is connected.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=127))]
    pub(crate) notify: Option<u8>,
    /// Clear each connected call (DISCONNECT, cause 16) after MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub(crate) hangup_after: Option<u64>,
    /// Send RESTART for the whole interface each time the data link comes up.
    #[arg(long)]
    pub(crate) restart: bool,
    /// Stop after MS milliseconds (a counters line is printed first).
    #[arg(long, value_name = "MS")]
    pub(crate) exit_after: Option<u64>,
    /// Write every D-channel frame, both directions, to FILE (pcap, LINUX_LAPD).
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Faults on what we transmit (--line only): ber=1e-4,ais,los,slip=N,ppm=N,seed=N.
    #[arg(long, value_name = "LIST", value_parser = parse_impair)]
    pub(crate) impair: Option<Impairments>,
    /// Apply --impair MS milliseconds after the data link first came up (l2_up), not
    /// after start: the fault always hits a working link, however long start-up took.
    /// Without it the faults start at the first l2_up.
    #[arg(long, value_name = "MS")]
    pub(crate) impair_at: Option<u64>,
    /// Remove the --impair faults again after MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub(crate) impair_for: Option<u64>,
    /// CRC-4 mode on the raw E1 line.
    #[arg(long, value_enum, default_value = "on")]
    pub(crate) crc4: Crc4Arg,
    /// Alarm recovery hold-off on the raw E1 line, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2500)]
    pub(crate) recovery_ms: u32,
}

impl Args {
    /// Checks the rules clap's declarations do not cover.
    ///
    /// # Errors
    /// A message for the user (exit status 2).
    pub(crate) fn check(&self) -> Result<(), String> {
        let socket = self.dchannel.is_some() || self.line.is_some();
        if socket && !self.listen && !self.connect {
            return Err("--dchannel and --line need --listen or --connect".into());
        }
        if !socket && (self.listen || self.connect) {
            return Err("--listen and --connect go with --dchannel or --line, not --dahdi".into());
        }
        if self.line.is_none() {
            for (set, name) in [
                (self.impair.is_some(), "--impair"),
                (self.impair_at.is_some(), "--impair-at"),
                (self.impair_for.is_some(), "--impair-for"),
            ] {
                if set {
                    return Err(format!("{name} needs the raw E1 line (--line unix:PATH)"));
                }
            }
        }
        if self.impair.is_none() && (self.impair_at.is_some() || self.impair_for.is_some()) {
            return Err("--impair-at/--impair-for need --impair".into());
        }
        if self.call.is_none()
            && (self.from.is_some()
                || self.calls != 1
                || self.calls_after_impair
                || self.exit_when_done)
        {
            return Err(
                "--from, --calls, --calls-after-impair and --exit-when-done need --call NUMBER"
                    .into(),
            );
        }
        if self.calls_after_impair && self.impair_for.is_none() {
            return Err("--calls-after-impair needs --impair and --impair-for".into());
        }
        Ok(())
    }
}

/// `unix:PATH` → PATH.
fn parse_endpoint(s: &str) -> Result<PathBuf, String> {
    match s.strip_prefix("unix:") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => Err(format!("expected unix:PATH, got {s:?}")),
    }
}

/// `ber=1e-4,ais,los,slip=1000,ppm=50,seed=7` → [`Impairments`].
pub(crate) fn parse_impair(s: &str) -> Result<Impairments, String> {
    let mut imp = Impairments::none();
    imp.seed = 1;
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        };
        let need = |v: Option<&'_ str>| -> Result<String, String> {
            v.map(str::to_owned)
                .ok_or_else(|| format!("{key} needs a value ({key}=...)"))
        };
        match key {
            "ber" => {
                let v: f64 = need(value)?.parse().map_err(|e| format!("ber: {e}"))?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("ber must be between 0 and 1, got {v}"));
                }
                imp.ber = v;
            }
            "ais" => imp.ais = true,
            "los" => imp.los = true,
            "slip" => {
                let v: u32 = need(value)?.parse().map_err(|e| format!("slip: {e}"))?;
                imp.slip_every =
                    Some(NonZeroU32::new(v).ok_or("slip needs a frame count above 0")?);
            }
            "ppm" => {
                imp.ppm_offset = need(value)?.parse().map_err(|e| format!("ppm: {e}"))?;
            }
            "seed" => imp.seed = need(value)?.parse().map_err(|e| format!("seed: {e}"))?,
            other => {
                return Err(format!(
                    "unknown fault {other:?} (known: ber=RATE, ais, los, slip=FRAMES, ppm=N, seed=N)"
                ));
            }
        }
    }
    Ok(imp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impair_list_parses() {
        let i = parse_impair("ber=1e-4,ais,slip=1000,seed=9").unwrap();
        assert!((i.ber - 1e-4).abs() < 1e-12);
        assert!(i.ais && !i.los);
        assert_eq!(i.slip_every.map(NonZeroU32::get), Some(1000));
        assert_eq!(i.seed, 9);
        assert!(parse_impair("los").unwrap().los);
        assert!(parse_impair("ber=2").is_err());
        assert!(parse_impair("slip=0").is_err());
        assert!(parse_impair("fire").is_err());
        assert!(parse_impair("ber").is_err());
    }

    #[test]
    fn endpoint_needs_unix_prefix() {
        assert_eq!(
            parse_endpoint("unix:/tmp/x").unwrap(),
            PathBuf::from("/tmp/x")
        );
        assert!(parse_endpoint("/tmp/x").is_err());
        assert!(parse_endpoint("unix:").is_err());
    }

    #[test]
    fn held_calls_need_a_fault_that_ends() {
        let check = |extra: &[&str]| {
            let mut argv = vec!["pri-test", "--role", "te", "--line", "unix:/x", "--connect"];
            argv.extend_from_slice(extra);
            Args::try_parse_from(argv).unwrap().check()
        };
        let ok = ["--call", "1", "--impair", "los", "--impair-for", "400"];
        assert!(check(&[&ok[..], &["--calls-after-impair", "--exit-when-done"]].concat()).is_ok());
        assert!(check(&["--call", "1", "--impair", "los", "--calls-after-impair"]).is_err());
        assert!(check(&["--call", "1", "--calls-after-impair"]).is_err());
        assert!(check(&["--exit-when-done"]).is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
