//! The box itself, read and written through files under a root directory (`/` on the
//! appliance, a temporary directory in tests): the systemd-networkd `.network` file, the
//! systemd-timesyncd drop-in, the firmware slot state file, `/proc` for uptime and memory.
//! Every write goes to a temporary file that is fsynced and renamed into place.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// What can go wrong with the box's files and settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SystemError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An address in `a.b.c.d/len` form was expected.
    #[error("not an IPv4 address with prefix length (like 192.168.1.10/24)")]
    BadCidr,
    /// An IP address was expected.
    #[error("not an IP address")]
    BadAddress,
    /// A host name or address was expected.
    #[error("not a host name or address")]
    BadHost,
    /// `YYYY-MM-DD HH:MM:SS` was expected.
    #[error("not a time in the form YYYY-MM-DD HH:MM:SS")]
    BadTime,
    /// A slot name `a` or `b` was expected, or the slot cannot be booted.
    #[error("slot {0} cannot be booted (state empty or bad)")]
    SlotNotBootable(char),
    /// The slot state file does not parse.
    #[error("slot state file {0} does not parse")]
    BadSlotFile(PathBuf),
}

fn file_err(path: &Path) -> impl FnOnce(std::io::Error) -> SystemError + '_ {
    move |source| SystemError::File {
        path: path.to_owned(),
        source,
    }
}

/// Writes `text` to `path` atomically (temp file, fsync, rename), creating parent folders.
/// The file is left readable by everyone (0644, whatever the writer's umask): the services
/// that read it (systemd-networkd, systemd-timesyncd) run as users of their own.
///
/// When `path` is a symbolic link, the file it points to is written (the link stays): on the
/// image the root is read-only and these files are links into the data partition
/// (docs/image.md, "What lives where").
///
/// # Errors
/// [`SystemError::File`].
pub fn write_atomic(path: &Path, text: &str) -> Result<(), SystemError> {
    let path = &resolve_link(path)?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(file_err(dir))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = fs::File::create(&tmp).map_err(file_err(&tmp))?;
    f.set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(file_err(&tmp))?;
    f.write_all(text.as_bytes()).map_err(file_err(&tmp))?;
    f.sync_all().map_err(file_err(&tmp))?;
    fs::rename(&tmp, path).map_err(file_err(path))
}

/// Removes the file at `path` (where it points, for a symbolic link; the link stays);
/// `false` when there was none.
///
/// # Errors
/// [`SystemError::File`] for other errors.
pub fn remove_file(path: &Path) -> Result<bool, SystemError> {
    let path = &resolve_link(path)?;
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(file_err(path)(e)),
    }
}

/// `path`, or where it points when it is a symbolic link (one level; a relative link is
/// taken from the link's folder).
fn resolve_link(path: &Path) -> Result<PathBuf, SystemError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            let to = fs::read_link(path).map_err(file_err(path))?;
            Ok(match path.parent() {
                Some(dir) if to.is_relative() => dir.join(to),
                _ => to,
            })
        }
        _ => Ok(path.to_owned()),
    }
}

/// Reads a file; `None` when it does not exist.
///
/// # Errors
/// [`SystemError::File`] for other read errors.
pub fn read_opt(path: &Path) -> Result<Option<String>, SystemError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(file_err(path)(e)),
    }
}

/// Where the console's files live under the root directory.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The root (`/` on the appliance).
    pub root: PathBuf,
}

impl Paths {
    /// The systemd-networkd file the console owns.
    #[must_use]
    pub fn network(&self) -> PathBuf {
        self.root.join("etc/systemd/network/10-appliance.network")
    }
    /// The systemd-timesyncd drop-in the console owns.
    #[must_use]
    pub fn timesyncd(&self) -> PathBuf {
        self.root
            .join("etc/systemd/timesyncd.conf.d/10-appliance.conf")
    }
    /// The firmware slot state file (format in docs/console.md).
    #[must_use]
    pub fn slots(&self) -> PathBuf {
        self.root.join("data/firmware/slots")
    }
    /// The image's version file.
    #[must_use]
    pub fn version(&self) -> PathBuf {
        self.root.join("etc/appliance-version")
    }
}

// ------------------------------------------------------------------ network

/// The management interface's addressing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Network {
    /// DHCP (IPv4).
    Dhcp,
    /// Static address.
    Static {
        /// Address.
        address: Ipv4Addr,
        /// Prefix length, 0–32.
        prefix: u8,
        /// Default gateway.
        gateway: Option<Ipv4Addr>,
        /// DNS servers.
        dns: Vec<IpAddr>,
    },
}

/// Parses `a.b.c.d/len`.
///
/// # Errors
/// [`SystemError::BadCidr`].
pub fn parse_cidr(s: &str) -> Result<(Ipv4Addr, u8), SystemError> {
    let (a, p) = s.split_once('/').ok_or(SystemError::BadCidr)?;
    let a: Ipv4Addr = a.parse().map_err(|_| SystemError::BadCidr)?;
    let p: u8 = p.parse().map_err(|_| SystemError::BadCidr)?;
    if p > 32 || a.is_unspecified() || a.is_broadcast() || a.is_multicast() {
        return Err(SystemError::BadCidr);
    }
    Ok((a, p))
}

impl Network {
    /// The `.network` file for interfaces matching `iface` (a networkd `Name=` pattern).
    #[must_use]
    pub fn render(&self, iface: &str) -> String {
        let mut s = format!(
            "# Written by appliance-console (docs/console.md); changed with `network set`.\n[Match]\nName={iface}\n\n[Network]\n"
        );
        match self {
            Self::Dhcp => s.push_str("DHCP=ipv4\n"),
            Self::Static {
                address,
                prefix,
                gateway,
                dns,
            } => {
                let _ = writeln!(s, "Address={address}/{prefix}");
                if let Some(g) = gateway {
                    let _ = writeln!(s, "Gateway={g}");
                }
                for d in dns {
                    let _ = writeln!(s, "DNS={d}");
                }
            }
        }
        s
    }

    /// Reads back a file written by [`Self::render`] (or by hand, as far as it goes).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut dhcp = false;
        let mut addr = None;
        let mut gateway = None;
        let mut dns = Vec::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim();
            match k.trim() {
                "DHCP" => dhcp = matches!(v, "yes" | "ipv4" | "true"),
                "Address" => addr = parse_cidr(v).ok(),
                "Gateway" => gateway = v.parse().ok(),
                "DNS" => dns.extend(
                    v.split_whitespace()
                        .filter_map(|d| d.parse::<IpAddr>().ok()),
                ),
                _ => {}
            }
        }
        if dhcp {
            return Some(Self::Dhcp);
        }
        let (address, prefix) = addr?;
        Some(Self::Static {
            address,
            prefix,
            gateway,
            dns,
        })
    }
}

// ------------------------------------------------------------------ time

/// The NTP servers set in the timesyncd drop-in.
#[must_use]
pub fn parse_ntp(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("NTP="))
        .flat_map(|v| v.split_whitespace().map(str::to_owned))
        .collect()
}

/// The timesyncd drop-in for these servers.
#[must_use]
pub fn render_ntp(servers: &[String]) -> String {
    format!(
        "# Written by appliance-console (docs/console.md); changed with `time ntp`.\n[Time]\nNTP={}\n",
        servers.join(" ")
    )
}

/// Checks a host name or address (letters, digits, `.`, `-`, `:`; 1–253 characters).
///
/// # Errors
/// [`SystemError::BadHost`].
pub fn check_host(h: &str) -> Result<(), SystemError> {
    let ok = !h.is_empty()
        && h.len() <= 253
        && !h.starts_with('-')
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if ok {
        Ok(())
    } else {
        Err(SystemError::BadHost)
    }
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`.
#[must_use]
pub fn format_utc(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        // Beyond ±9999 years: a clock or file this wrong is shown as the raw number.
        Err(_) => format!("{secs} s since 1970 UTC"),
    }
}

/// Checks `YYYY-MM-DD HH:MM:SS` (as `timedatectl set-time` takes it).
///
/// # Errors
/// [`SystemError::BadTime`].
pub fn check_time(s: &str) -> Result<(), SystemError> {
    let b = s.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b' ',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return Err(SystemError::BadTime);
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    let ok = (1..=12).contains(&n(5..7))
        && (1..=31).contains(&n(8..10))
        && n(11..13) < 24
        && n(14..16) < 60
        && n(17..19) < 60
        && n(0..4) >= 2000;
    if ok {
        Ok(())
    } else {
        Err(SystemError::BadTime)
    }
}

// ------------------------------------------------------------------ firmware slots

/// One slot's entry in the state file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Slot {
    /// Firmware version installed, empty when none.
    pub version: String,
    /// `good`, `trial`, `bad` or `empty`.
    pub state: String,
}

/// The slot state file (see docs/console.md for the format and who writes what).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slots {
    /// The slot running now (written by the image at boot).
    pub booted: char,
    /// The slot booted by default.
    pub default: char,
    /// The slot to try once at the next boot, if any (written by the console).
    pub next: Option<char>,
    /// Slot A.
    pub a: Slot,
    /// Slot B.
    pub b: Slot,
}

fn slot_char(v: &str) -> Option<char> {
    match v {
        "a" => Some('a'),
        "b" => Some('b'),
        _ => None,
    }
}

impl Slots {
    /// Parses `key=value` lines; `#` starts a comment.
    ///
    /// # Errors
    /// [`SystemError::BadSlotFile`] when `booted` or `default` is missing or not `a`/`b`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SystemError> {
        let bad = || SystemError::BadSlotFile(path.to_owned());
        let (mut booted, mut default, mut next) = (None, None, None);
        let (mut a, mut b) = (Slot::default(), Slot::default());
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            match k {
                "booted" => booted = slot_char(v),
                "default" => default = slot_char(v),
                "next" => next = slot_char(v),
                "a.version" => v.clone_into(&mut a.version),
                "a.state" => v.clone_into(&mut a.state),
                "b.version" => v.clone_into(&mut b.version),
                "b.state" => v.clone_into(&mut b.state),
                _ => {}
            }
        }
        Ok(Self {
            booted: booted.ok_or_else(bad)?,
            default: default.ok_or_else(bad)?,
            next,
            a,
            b,
        })
    }

    /// The file text.
    #[must_use]
    pub fn render(&self) -> String {
        format!(
            "# Firmware slots (docs/console.md). booted: set by the image at boot;\n\
             # next: a slot to try once at the next boot (set by the console, cleared by the image).\n\
             booted={}\ndefault={}\nnext={}\na.version={}\na.state={}\nb.version={}\nb.state={}\n",
            self.booted,
            self.default,
            self.next.map(String::from).unwrap_or_default(),
            self.a.version,
            self.a.state,
            self.b.version,
            self.b.state
        )
    }

    /// The slot `c`.
    #[must_use]
    pub fn slot(&self, c: char) -> &Slot {
        if c == 'a' { &self.a } else { &self.b }
    }

    /// Asks for the other slot to be tried once at the next boot.
    ///
    /// # Errors
    /// [`SystemError::SlotNotBootable`] when it holds no firmware or is marked bad.
    pub fn switch(&mut self) -> Result<char, SystemError> {
        let other = if self.booted == 'a' { 'b' } else { 'a' };
        let s = self.slot(other);
        if s.version.is_empty() || matches!(s.state.as_str(), "empty" | "bad" | "") {
            return Err(SystemError::SlotNotBootable(other));
        }
        self.next = Some(other);
        Ok(other)
    }
}

// ------------------------------------------------------------------ /proc and disks

/// Seconds since boot, from `/proc/uptime`.
#[must_use]
pub fn uptime_secs() -> Option<u64> {
    let t = fs::read_to_string("/proc/uptime").ok()?;
    let first = t.split_whitespace().next()?;
    first.split('.').next()?.parse().ok()
}

/// `3d 04:05:06`.
#[must_use]
pub fn format_duration(secs: u64) -> String {
    let d = secs / 86_400;
    let h = secs / 3600 % 24;
    let m = secs / 60 % 60;
    let s = secs % 60;
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// (total, available) memory in KiB, from `/proc/meminfo`.
#[must_use]
pub fn memory_kib() -> Option<(u64, u64)> {
    let t = fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| {
        t.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("MemTotal:")?, field("MemAvailable:")?))
}

/// (total, available) bytes of the filesystem holding `path`.
#[must_use]
pub fn disk_bytes(path: &Path) -> Option<(u64, u64)> {
    let s = nix::sys::statvfs::statvfs(path).ok()?;
    let frag = s.fragment_size();
    Some((s.blocks() * frag, s.blocks_available() * frag))
}

/// `1.5 GiB`-style sizes.
#[must_use]
pub fn human_bytes(b: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_file_is_written_where_the_link_points_and_readable_by_all() {
        let d = tempfile::tempdir().unwrap();
        let etc = d.path().join("etc/systemd/network");
        let data = d.path().join("data/etc/systemd/network");
        fs::create_dir_all(&etc).unwrap();
        fs::create_dir_all(&data).unwrap();
        let link = etc.join("10-appliance.network");
        std::os::unix::fs::symlink(data.join("10-appliance.network"), &link).unwrap();
        // The link staying a link shows the temp file and the rename went to the target's
        // folder (a rename onto the link would have replaced it with a plain file).
        write_atomic(&link, "[Match]\n").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&link).unwrap(), "[Match]\n");
        let meta = fs::metadata(data.join("10-appliance.network")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        // A relative link, written twice.
        let rel = etc.join("rel.conf");
        std::os::unix::fs::symlink("../../../data/etc/systemd/network/rel.conf", &rel).unwrap();
        write_atomic(&rel, "a").unwrap();
        write_atomic(&rel, "b").unwrap();
        assert_eq!(fs::read_to_string(data.join("rel.conf")).unwrap(), "b");
        assert!(fs::symlink_metadata(&rel).unwrap().file_type().is_symlink());
        // Removing goes through the link too, and a second time finds nothing.
        assert!(remove_file(&rel).unwrap());
        assert!(!data.join("rel.conf").exists());
        assert!(fs::symlink_metadata(&rel).unwrap().file_type().is_symlink());
        assert!(!remove_file(&rel).unwrap());
    }

    #[test]
    fn network_files_round_trip() {
        let s = Network::Static {
            address: "192.168.1.10".parse().unwrap(),
            prefix: 24,
            gateway: Some("192.168.1.1".parse().unwrap()),
            dns: vec!["192.168.1.1".parse().unwrap(), "8.8.8.8".parse().unwrap()],
        };
        let text = s.render("en* eth*");
        assert!(text.contains("Name=en* eth*\n") && text.contains("Address=192.168.1.10/24\n"));
        assert_eq!(Network::parse(&text), Some(s));
        assert_eq!(
            Network::parse(&Network::Dhcp.render("eth0")),
            Some(Network::Dhcp)
        );
        assert_eq!(Network::parse("[Network]\n"), None);
        assert!(parse_cidr("10.0.0.1").is_err());
        assert!(parse_cidr("10.0.0.1/33").is_err());
        assert!(parse_cidr("0.0.0.0/8").is_err());
    }

    #[test]
    fn time_and_hosts() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_795_999_999), "2026-11-30 00:53:19 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert!(check_time("2026-11-24 19:30:00").is_ok());
        assert!(check_time("2026-13-24 19:30:00").is_err());
        assert!(check_time("2026-11-24T19:30:00").is_err());
        assert!(check_time("2026-11-24 19:30").is_err());
        assert!(check_host("ntp.example.net").is_ok());
        assert!(check_host("-c9 x").is_err());
        assert!(check_host("a;rm").is_err());
        assert_eq!(
            parse_ntp(&render_ntp(&["a.pool".into(), "10.0.0.1".into()])),
            ["a.pool", "10.0.0.1"]
        );
        assert_eq!(format_duration(93_784), "1d 02:03:04");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn slot_file_round_trip_and_switch() {
        let p = Path::new("slots");
        let text =
            "booted=a\ndefault=a\na.version=0.1.0\na.state=good\nb.version=\nb.state=empty\n";
        let mut s = Slots::parse(text, p).unwrap();
        assert!(matches!(s.switch(), Err(SystemError::SlotNotBootable('b'))));
        s.b = Slot {
            version: "0.2.0".into(),
            state: "trial".into(),
        };
        assert_eq!(s.switch().unwrap(), 'b');
        let back = Slots::parse(&s.render(), p).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.next, Some('b'));
        assert!(Slots::parse("default=a\n", p).is_err());
    }
}
