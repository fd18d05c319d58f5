//! SDP (RFC 4566/8866) for audio calls and the offer/answer model (RFC 3264): PCMA, PCMU,
//! telephone-event (RFC 4733) with the offerer's payload-type mapping, ptime, the
//! direction attributes used for hold and resume, connection address and port.
//!
//! A small own parser: SDP is line-based and the appliance needs one audio stream; sdp-rs
//! (0.2, two releases) would add a dependency for less checking than this.
//! Not handled: ICE, SRTP crypto, video (an offered video stream is refused with port 0).

use core::fmt::Write as _;

/// Why an SDP body was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Not UTF-8, or a line is not `x=value`.
    #[error("malformed SDP line")]
    BadLine,
    /// `v=` is not 0 or not first (RFC 8866 §5).
    #[error("bad or missing v= line")]
    BadVersion,
    /// `o=` missing or malformed.
    #[error("bad or missing o= line")]
    BadOrigin,
    /// `m=` malformed (port, proto or formats).
    #[error("bad m= line")]
    BadMedia,
    /// A stream has no connection address (neither session nor media `c=`).
    #[error("no connection address")]
    NoConnection,
    /// No common audio codec: answer 488 Not Acceptable Here (RFC 3264 §6).
    #[error("no common codec")]
    NoCommonCodec,
}

/// Stream direction (RFC 3264 §5.1, §8.4 hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// a=sendrecv (the default)
    #[default]
    SendRecv,
    /// a=sendonly (putting the other side on hold)
    SendOnly,
    /// a=recvonly
    RecvOnly,
    /// a=inactive
    Inactive,
}

impl Direction {
    /// The attribute name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// What the answerer may use given the offer and what it wants (RFC 3264 §6.1).
    #[must_use]
    pub const fn answer_to(offered: Self, wanted: Self) -> Self {
        let (o_send, o_recv) = offered.flags();
        let (w_send, w_recv) = wanted.flags();
        Self::from_flags(w_send && o_recv, w_recv && o_send)
    }

    const fn flags(self) -> (bool, bool) {
        match self {
            Self::SendRecv => (true, true),
            Self::SendOnly => (true, false),
            Self::RecvOnly => (false, true),
            Self::Inactive => (false, false),
        }
    }

    const fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Self::SendRecv,
            (true, false) => Self::SendOnly,
            (false, true) => Self::RecvOnly,
            (false, false) => Self::Inactive,
        }
    }
}

/// One `a=rtpmap` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub pt: u8,
    /// Encoding name as sent.
    pub name: String,
    /// Clock rate.
    pub rate: u32,
}

/// One m= section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video`, ...
    pub kind: String,
    /// Port (0 = stream refused or removed).
    pub port: u16,
    /// Transport protocol (`RTP/AVP`).
    pub proto: String,
    /// Formats (payload types for RTP), in preference order.
    pub formats: Vec<String>,
    /// Media-level connection address.
    pub connection: Option<String>,
    /// rtpmap attributes.
    pub rtpmap: Vec<RtpMap>,
    /// fmtp attributes (pt, parameters).
    pub fmtp: Vec<(u8, String)>,
    /// ptime in ms.
    pub ptime: Option<u32>,
    /// Direction (media level, else session level, else sendrecv).
    pub direction: Option<Direction>,
    /// Other attributes, kept verbatim (without `a=`).
    pub other: Vec<String>,
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdp {
    /// o= username.
    pub origin_user: String,
    /// o= sess-id.
    pub session_id: u64,
    /// o= sess-version (incremented on every change, RFC 3264 §8).
    pub session_version: u64,
    /// o= unicast address.
    pub origin_addr: String,
    /// s= line.
    pub session_name: String,
    /// Session-level connection address (IPv4/IPv6 text).
    pub connection: Option<String>,
    /// Session-level direction.
    pub direction: Option<Direction>,
    /// m= sections.
    pub media: Vec<Media>,
}

fn parse_conn(v: &str) -> Result<String, SdpError> {
    let p: Vec<&str> = v.split_whitespace().collect();
    match p.as_slice() {
        ["IN", "IP4" | "IP6", addr] => Ok(addr.split('/').next().unwrap_or(addr).to_owned()),
        _ => Err(SdpError::BadLine),
    }
}

fn parse_rtpmap(r: &str) -> Option<RtpMap> {
    let (pt, enc) = r.split_once(' ')?;
    let mut e = enc.trim().split('/');
    let name = e.next()?.to_owned();
    let rate = e.next()?.parse().ok()?;
    Some(RtpMap {
        pt: pt.parse().ok()?,
        name,
        rate,
    })
}

fn parse_dir(a: &str) -> Option<Direction> {
    Some(match a {
        "sendrecv" => Direction::SendRecv,
        "sendonly" => Direction::SendOnly,
        "recvonly" => Direction::RecvOnly,
        "inactive" => Direction::Inactive,
        _ => return None,
    })
}

impl Sdp {
    /// Parses an SDP body (CRLF or LF line ends).
    pub fn parse(body: &[u8]) -> Result<Self, SdpError> {
        let text = core::str::from_utf8(body).map_err(|_| SdpError::BadLine)?;
        let mut lines = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty());
        if lines.next() != Some("v=0") {
            return Err(SdpError::BadVersion);
        }
        let mut sdp = Self {
            origin_user: String::new(),
            session_id: 0,
            session_version: 0,
            origin_addr: String::new(),
            session_name: String::new(),
            connection: None,
            direction: None,
            media: Vec::new(),
        };
        let mut have_origin = false;
        for line in lines {
            let (k, v) = line.split_once('=').ok_or(SdpError::BadLine)?;
            if k.len() != 1 {
                return Err(SdpError::BadLine);
            }
            let cur = sdp.media.last_mut();
            match (k, cur) {
                ("o", None) => {
                    let p: Vec<&str> = v.split_whitespace().collect();
                    let [user, id, ver, "IN", _, addr] = p.as_slice() else {
                        return Err(SdpError::BadOrigin);
                    };
                    sdp.origin_user = (*user).to_owned();
                    sdp.session_id = id.parse().map_err(|_| SdpError::BadOrigin)?;
                    sdp.session_version = ver.parse().map_err(|_| SdpError::BadOrigin)?;
                    sdp.origin_addr = (*addr).to_owned();
                    have_origin = true;
                }
                ("s", None) => sdp.session_name = v.to_owned(),
                ("c", None) => sdp.connection = Some(parse_conn(v)?),
                ("c", Some(m)) => m.connection = Some(parse_conn(v)?),
                ("m", _) => {
                    let p: Vec<&str> = v.split_whitespace().collect();
                    if p.len() < 4 {
                        return Err(SdpError::BadMedia);
                    }
                    let port = p[1]
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .parse()
                        .map_err(|_| SdpError::BadMedia)?;
                    sdp.media.push(Media {
                        kind: p[0].to_owned(),
                        port,
                        proto: p[2].to_owned(),
                        formats: p[3..].iter().map(|s| (*s).to_owned()).collect(),
                        connection: None,
                        rtpmap: Vec::new(),
                        fmtp: Vec::new(),
                        ptime: None,
                        direction: None,
                        other: Vec::new(),
                    });
                }
                ("a", None) => {
                    if let Some(d) = parse_dir(v) {
                        sdp.direction = Some(d);
                    }
                }
                ("a", Some(m)) => {
                    if let Some(d) = parse_dir(v) {
                        m.direction = Some(d);
                    } else if let Some(r) = v.strip_prefix("rtpmap:")
                        && let Some(map) = parse_rtpmap(r)
                    {
                        // An rtpmap without a clock rate (RFC 4475 wsinv `LPC`) is kept verbatim.
                        m.rtpmap.push(map);
                    } else if let Some(f) = v.strip_prefix("fmtp:")
                        && let Some((pt, params)) = f.split_once(' ')
                        && let Ok(pt) = pt.parse()
                    {
                        m.fmtp.push((pt, params.trim().to_owned()));
                    } else if let Some(p) = v.strip_prefix("ptime:") {
                        m.ptime = p.trim().parse().ok();
                    } else {
                        m.other.push(v.to_owned());
                    }
                }
                _ => {}
            }
        }
        if !have_origin {
            return Err(SdpError::BadOrigin);
        }
        for m in &sdp.media {
            if m.port != 0 && m.connection.is_none() && sdp.connection.is_none() {
                return Err(SdpError::NoConnection);
            }
        }
        Ok(sdp)
    }

    /// Serialises (CRLF line ends).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = String::new();
        let ip = |a: &str| if a.contains(':') { "IP6" } else { "IP4" };
        let _ = write!(
            s,
            "v=0\r\no={} {} {} IN {} {}\r\ns={}\r\n",
            self.origin_user,
            self.session_id,
            self.session_version,
            ip(&self.origin_addr),
            self.origin_addr,
            if self.session_name.is_empty() {
                "-"
            } else {
                &self.session_name
            }
        );
        if let Some(c) = &self.connection {
            let _ = write!(s, "c=IN {} {c}\r\n", ip(c));
        }
        s.push_str("t=0 0\r\n");
        if let Some(d) = self.direction {
            let _ = write!(s, "a={}\r\n", d.as_str());
        }
        for m in &self.media {
            let _ = write!(
                s,
                "m={} {} {} {}\r\n",
                m.kind,
                m.port,
                m.proto,
                m.formats.join(" ")
            );
            if let Some(c) = &m.connection {
                let _ = write!(s, "c=IN {} {c}\r\n", ip(c));
            }
            for r in &m.rtpmap {
                let _ = write!(s, "a=rtpmap:{} {}/{}\r\n", r.pt, r.name, r.rate);
            }
            for (pt, f) in &m.fmtp {
                let _ = write!(s, "a=fmtp:{pt} {f}\r\n");
            }
            if let Some(p) = m.ptime {
                let _ = write!(s, "a=ptime:{p}\r\n");
            }
            for o in &m.other {
                let _ = write!(s, "a={o}\r\n");
            }
            if let Some(d) = m.direction {
                let _ = write!(s, "a={}\r\n", d.as_str());
            }
        }
        s.into_bytes()
    }
}

/// Audio codecs the appliance speaks (G.711; media-dsp does the coding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// G.711 A-law, static PT 8.
    Pcma,
    /// G.711 µ-law, static PT 0.
    Pcmu,
}

impl Codec {
    const fn static_pt(self) -> u8 {
        match self {
            Self::Pcma => 8,
            Self::Pcmu => 0,
        }
    }
    const fn name(self) -> &'static str {
        match self {
            Self::Pcma => "PCMA",
            Self::Pcmu => "PCMU",
        }
    }
}

/// Our side of the media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// RTP address we receive on.
    pub addr: String,
    /// RTP port we receive on.
    pub port: u16,
    /// Codecs in our preference order.
    pub codecs: Vec<Codec>,
    /// Offer/accept telephone-event (RFC 4733); the PT we use when we offer.
    pub telephone_event_pt: Option<u8>,
    /// Packetization, ms.
    pub ptime: u32,
    /// What we want: sendrecv normally, sendonly to hold, inactive...
    pub direction: Direction,
}

/// What was agreed for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Where to send RTP.
    pub remote_addr: String,
    /// Remote RTP port.
    pub remote_port: u16,
    /// The codec.
    pub codec: Codec,
    /// Its payload type on the wire.
    pub codec_pt: u8,
    /// telephone-event PT (the offerer's mapping, RFC 3264 §6.1), if both sides do it.
    pub telephone_event_pt: Option<u8>,
    /// Packetization the remote asked for (default 20).
    pub ptime: u32,
    /// Our direction.
    pub direction: Direction,
}

fn codec_of(m: &Media, fmt: &str) -> Option<(Codec, u8)> {
    let pt: u8 = fmt.parse().ok()?;
    let name = m
        .rtpmap
        .iter()
        .find(|r| r.pt == pt)
        .map(|r| (r.name.to_ascii_uppercase(), r.rate));
    let c = match (pt, name) {
        (_, Some((n, 8000))) if n == "PCMA" => Codec::Pcma,
        (_, Some((n, 8000))) if n == "PCMU" => Codec::Pcmu,
        (8, None) => Codec::Pcma,
        (0, None) => Codec::Pcmu,
        _ => return None,
    };
    Some((c, pt))
}

fn te_of(m: &Media) -> Option<u8> {
    m.rtpmap
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case("telephone-event") && r.rate == 8000)
        .map(|r| r.pt)
}

fn audio_media(
    local: &LocalMedia,
    codecs: &[(Codec, u8)],
    te: Option<u8>,
    dir: Direction,
) -> Media {
    let mut formats: Vec<String> = codecs.iter().map(|(_, pt)| pt.to_string()).collect();
    let mut rtpmap: Vec<RtpMap> = codecs
        .iter()
        .map(|(c, pt)| RtpMap {
            pt: *pt,
            name: c.name().into(),
            rate: 8000,
        })
        .collect();
    let mut fmtp = Vec::new();
    if let Some(t) = te {
        formats.push(t.to_string());
        rtpmap.push(RtpMap {
            pt: t,
            name: "telephone-event".into(),
            rate: 8000,
        });
        fmtp.push((t, "0-15".into()));
    }
    Media {
        kind: "audio".into(),
        port: local.port,
        proto: "RTP/AVP".into(),
        formats,
        connection: None,
        rtpmap,
        fmtp,
        ptime: Some(local.ptime),
        direction: Some(dir),
        other: Vec::new(),
    }
}

/// Builds an offer (RFC 3264 §5).
#[must_use]
pub fn offer(local: &LocalMedia, session_id: u64, version: u64) -> Sdp {
    let codecs: Vec<(Codec, u8)> = local.codecs.iter().map(|c| (*c, c.static_pt())).collect();
    Sdp {
        origin_user: "-".into(),
        session_id,
        session_version: version,
        origin_addr: local.addr.clone(),
        session_name: "-".into(),
        connection: Some(local.addr.clone()),
        direction: None,
        media: vec![audio_media(
            local,
            &codecs,
            local.telephone_event_pt,
            local.direction,
        )],
    }
}

/// Answers an offer (RFC 3264 §6): the first audio stream with a common codec is accepted
/// (our codec preference among the offered ones, the offerer's PT numbers), every other
/// stream is refused with port 0, in the same order.
pub fn answer(
    offer: &Sdp,
    local: &LocalMedia,
    session_id: u64,
    version: u64,
) -> Result<(Sdp, Negotiated), SdpError> {
    let mut out = Vec::new();
    let mut agreed = None;
    for m in &offer.media {
        let usable = agreed.is_none() && m.kind == "audio" && m.port != 0 && m.proto == "RTP/AVP";
        let offered: Vec<(Codec, u8)> = if usable {
            m.formats.iter().filter_map(|f| codec_of(m, f)).collect()
        } else {
            vec![]
        };
        let pick = local
            .codecs
            .iter()
            .find_map(|want| offered.iter().find(|(c, _)| c == want).copied());
        let Some((codec, pt)) = pick else {
            out.push(Media {
                port: 0,
                rtpmap: vec![],
                fmtp: vec![],
                ptime: None,
                direction: None,
                other: vec![],
                connection: None,
                ..m.clone()
            });
            continue;
        };
        let te = local.telephone_event_pt.and(te_of(m));
        let offered_dir = m.direction.or(offer.direction).unwrap_or_default();
        // RFC 3264 §8.4: c=0.0.0.0 is the RFC 2543 way to put us on hold.
        let remote_addr = m
            .connection
            .clone()
            .or_else(|| offer.connection.clone())
            .ok_or(SdpError::NoConnection)?;
        let offered_dir = if remote_addr == "0.0.0.0" {
            Direction::SendOnly.min_with(offered_dir)
        } else {
            offered_dir
        };
        let dir = Direction::answer_to(offered_dir, local.direction);
        out.push(audio_media(local, &[(codec, pt)], te, dir));
        agreed = Some(Negotiated {
            remote_addr,
            remote_port: m.port,
            codec,
            codec_pt: pt,
            telephone_event_pt: te,
            ptime: m.ptime.unwrap_or(20),
            direction: dir,
        });
    }
    let agreed = agreed.ok_or(SdpError::NoCommonCodec)?;
    let sdp = Sdp {
        origin_user: "-".into(),
        session_id,
        session_version: version,
        origin_addr: local.addr.clone(),
        session_name: "-".into(),
        connection: Some(local.addr.clone()),
        direction: None,
        media: out,
    };
    Ok((sdp, agreed))
}

impl Direction {
    /// The intersection of two directions' flags.
    const fn min_with(self, other: Self) -> Self {
        let (a, b) = (self.flags(), other.flags());
        Self::from_flags(a.0 && b.0, a.1 && b.1)
    }
}

/// Reads an answer to our offer (RFC 3264 §7): the first accepted audio stream.
pub fn negotiated_from_answer(answer: &Sdp, local: &LocalMedia) -> Result<Negotiated, SdpError> {
    let m = answer
        .media
        .iter()
        .find(|m| m.kind == "audio" && m.port != 0)
        .ok_or(SdpError::NoCommonCodec)?;
    let (codec, pt) = m
        .formats
        .iter()
        .find_map(|f| codec_of(m, f))
        .ok_or(SdpError::NoCommonCodec)?;
    if !local.codecs.contains(&codec) {
        return Err(SdpError::NoCommonCodec);
    }
    let remote_addr = m
        .connection
        .clone()
        .or_else(|| answer.connection.clone())
        .ok_or(SdpError::NoConnection)?;
    let their = m.direction.or(answer.direction).unwrap_or_default();
    Ok(Negotiated {
        remote_addr,
        remote_port: m.port,
        codec,
        codec_pt: pt,
        // We offered our PT; the answer SHOULD echo it (RFC 3264 §6.1).
        telephone_event_pt: local.telephone_event_pt.and(te_of(m)),
        ptime: m.ptime.unwrap_or(20),
        direction: Direction::answer_to(their, local.direction),
    })
}
