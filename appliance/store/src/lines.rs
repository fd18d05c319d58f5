//! Line ports that are not E1 spans: analog FXS and FXO ports and sound-card channels.
//!
//! One row per port (table `line_ports`, schema step "line ports"):
//! - an **FXS** port (a phone is plugged in) is an extension: its `extension` number rings
//!   it, and what its phone dials is routed by the internal dial plan;
//! - an **FXO** port (a line from the exchange is plugged in) is a trunk: an incoming ring is
//!   routed by the DID table as if `route` had been dialled, and the port joins
//!   `trunk_group` (by name) as its last member for outgoing calls;
//! - a **sound** channel (an ALSA device: a paging amplifier, a loudspeaker) is an extension
//!   that answers at once and plays the call to the device; playback only, nothing is
//!   captured from it.
//!
//! `device` names the backend: `virt:<socket>` (a virtual analog line whose listening socket
//! is created relative to the data directory), `dahdi:<channel>` (a DAHDI channel number),
//! `alsa:<pcm name>` (sound channels only).
//!
//! Changes are configuration [`Command`]s ([`Command::CreateLinePort`],
//! [`Command::UpdateLinePort`], [`Command::DeleteLinePort`]; [`Store::add_line_port`],
//! [`Store::update_line_port`] and [`Store::delete_line_port`] run them) through
//! [`Store::execute`]: validated, a new config revision, an audit row. Port numbers are
//! unique among ports; port extension numbers are unique among ports, extensions and queues
//! both ways (an extension or queue number taken by a port is refused too), on create and
//! on update alike. The daemon opens ports at start.
//!
//! An FXO port names its trunk group **by name**, so the group is held by that name: a
//! trunk group an FXO port names can be neither deleted ([`Command::DeleteTrunkGroup`]) nor
//! renamed ([`Command::UpdateTrunkGroup`] with another name) while the port names it
//! (`trunk_group.id` / `trunk_group.name`: still referred to by an FXO line port); move or
//! delete the port first.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::Store;
use crate::config::{Command, CommandContext, Op, check_digits, decode, text_enum};
use crate::error::{Entity, Invalid, Result, Rule, StoreError};

text_enum!(
    /// What a port is.
    LinePortKind {
        /** Exchange end: a phone is plugged in. */ Fxs = "fxs",
        /** Terminal end: a line from the exchange is plugged in. */ Fxo = "fxo",
        /** A sound-card device. */ Sound = "sound",
    }
);
text_enum!(
    /// How caller ID is sent (FXS) or expected (FXO).
    CallerIdStandard {
        /** FSK ITU-T V.23 between the first and second ring (ETSI EN 300 659-1, China YD/T 1277). */ EtsiFsk = "etsi_fsk",
        /** FSK Bell 202 between the first and second ring (North America). */ BellFsk = "bell_fsk",
        /** DTMF CLIP (ETSI EN 300 659-1 Annex B). */ Dtmf = "dtmf",
        /** No caller ID. */ None = "none",
    }
);
text_enum!(
    /// The tone plan of a port (dial, busy, ringback tones; ring cadence defaults).
    LineCountry {
        /** China (YD/T 1118, GB 3380): 450 Hz. */ Cn = "cn",
        /** ETSI (TR 101 041, E.180): 425 Hz. */ Etsi = "etsi",
        /** North America (ANSI T1.401 precise tone plan). */ Na = "na",
    }
);

/// One line port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePortConfig {
    /// Port number, 1–255, unique: the switch names the port `analog/<port>` or
    /// `sound/<port>`.
    pub port: u16,
    /// Kind.
    pub kind: LinePortKind,
    /// Backend: `virt:<socket>`, `dahdi:<channel>` (FXS/FXO), `alsa:<pcm>` (sound).
    pub device: String,
    /// FXS and sound: the extension number (2–8 digits) that reaches it.
    pub extension: Option<String>,
    /// FXO: the number an incoming ring is routed as (DID table).
    pub route: Option<String>,
    /// FXO: the trunk group (by name) the port joins as its last member.
    pub trunk_group: Option<String>,
    /// Caller ID sent (FXS) or expected (FXO).
    pub caller_id: CallerIdStandard,
    /// Tone plan.
    pub country: LineCountry,
    /// Ring cadence: ring on, ms (100–5000).
    pub ring_on_ms: u32,
    /// Ring cadence: silence between rings, ms (100–10000).
    pub ring_off_ms: u32,
    /// FXO: a call we place counts as answered at the exchange's polarity reversal (answer
    /// supervision, Asterisk's `answeronpolarityswitch=yes`), not when dialling ends. Only
    /// for lines whose exchange reverses the battery on answer: on others the call would
    /// never be answered. Always false for FXS and sound ports.
    pub answer_on_polarity: bool,
}

impl LinePortConfig {
    /// An FXS port on a virtual line (China tones and cadence, FSK caller ID).
    #[must_use]
    pub fn fxs(port: u16, device: &str, extension: &str) -> Self {
        Self {
            port,
            kind: LinePortKind::Fxs,
            device: device.into(),
            extension: Some(extension.into()),
            route: None,
            trunk_group: None,
            caller_id: CallerIdStandard::EtsiFsk,
            country: LineCountry::Cn,
            ring_on_ms: 1000,
            ring_off_ms: 4000,
            answer_on_polarity: false,
        }
    }

    /// An FXO port routed as `route`, member of `trunk_group`.
    #[must_use]
    pub fn fxo(port: u16, device: &str, route: &str, trunk_group: Option<&str>) -> Self {
        Self {
            kind: LinePortKind::Fxo,
            extension: None,
            route: Some(route.into()),
            trunk_group: trunk_group.map(Into::into),
            ..Self::fxs(port, device, "")
        }
    }

    /// A sound-card channel reached as `extension`.
    #[must_use]
    pub fn sound(port: u16, pcm: &str, extension: &str) -> Self {
        Self {
            kind: LinePortKind::Sound,
            device: format!("alsa:{pcm}"),
            caller_id: CallerIdStandard::None,
            ..Self::fxs(port, "", extension)
        }
    }
}

/// A stored port with its row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLinePort {
    /// Row id.
    pub id: i64,
    /// The port.
    pub config: LinePortConfig,
}

/// Checks a port's fields on their own (not uniqueness).
///
/// # Errors
/// The first field that breaks a rule.
pub fn validate_line_port(c: &LinePortConfig) -> Result<(), Invalid> {
    if !(1..=255).contains(&c.port) {
        return Err(Invalid::new(
            "line_port.port",
            Rule::OutOfRange { min: 1, max: 255 },
        ));
    }
    let (backend, rest) = c.device.split_once(':').ok_or(Invalid::new(
        "line_port.device",
        Rule::BadChars {
            allowed: "virt:PATH, dahdi:N or alsa:PCM",
        },
    ))?;
    let ok = match (c.kind, backend) {
        (LinePortKind::Fxs | LinePortKind::Fxo, "virt") => {
            !rest.is_empty() && !rest.contains("..") && !rest.starts_with('/')
        }
        (LinePortKind::Fxs | LinePortKind::Fxo, "dahdi") => {
            rest.parse::<u16>().is_ok_and(|n| n > 0)
        }
        (LinePortKind::Sound, "alsa") => !rest.is_empty() && rest.len() <= 128,
        _ => false,
    };
    if !ok {
        return Err(Invalid::new(
            "line_port.device",
            Rule::BadChars {
                allowed: "virt:NAME (relative), dahdi:CHANNEL (FXS/FXO) or alsa:PCM (sound)",
            },
        ));
    }
    match c.kind {
        LinePortKind::Fxs | LinePortKind::Sound => {
            if c.answer_on_polarity {
                return Err(Invalid::new(
                    "line_port.answer_on_polarity",
                    Rule::Conflicts {
                        other: "kind fxs/sound",
                    },
                ));
            }
            let n = c.extension.as_deref().ok_or(Invalid::new(
                "line_port.extension",
                Rule::Required {
                    because: "the port is FXS or sound",
                },
            ))?;
            check_digits("line_port.extension", n, 2, 8)?;
            if c.route.is_some() || c.trunk_group.is_some() {
                return Err(Invalid::new(
                    "line_port.route",
                    Rule::Conflicts {
                        other: "kind fxs/sound",
                    },
                ));
            }
        }
        LinePortKind::Fxo => {
            let r = c.route.as_deref().ok_or(Invalid::new(
                "line_port.route",
                Rule::Required {
                    because: "the port is FXO",
                },
            ))?;
            check_digits("line_port.route", r, 1, 20)?;
            if c.extension.is_some() {
                return Err(Invalid::new(
                    "line_port.extension",
                    Rule::Conflicts { other: "kind fxo" },
                ));
            }
        }
    }
    if !(100..=5000).contains(&c.ring_on_ms) {
        return Err(Invalid::new(
            "line_port.ring_on_ms",
            Rule::OutOfRange {
                min: 100,
                max: 5000,
            },
        ));
    }
    if !(100..=10_000).contains(&c.ring_off_ms) {
        return Err(Invalid::new(
            "line_port.ring_off_ms",
            Rule::OutOfRange {
                min: 100,
                max: 10_000,
            },
        ));
    }
    Ok(())
}

const COLS: &str = "id, port, kind, device, extension, route, trunk_group, caller_id, country, ring_on_ms, ring_off_ms, answer_on_polarity";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredLinePort> {
    let text = |i: usize| r.get::<_, String>(i);
    Ok(StoredLinePort {
        id: r.get(0)?,
        config: LinePortConfig {
            port: r.get(1)?,
            kind: decode(LinePortKind::parse(&text(2)?), "line_ports", "kind")?,
            device: r.get(3)?,
            extension: r.get(4)?,
            route: r.get(5)?,
            trunk_group: r.get(6)?,
            caller_id: decode(
                CallerIdStandard::parse(&text(7)?),
                "line_ports",
                "caller_id",
            )?,
            country: decode(LineCountry::parse(&text(8)?), "line_ports", "country")?,
            ring_on_ms: r.get(9)?,
            ring_off_ms: r.get(10)?,
            answer_on_polarity: r.get(11)?,
        },
    })
}

/// [`Command::CreateLinePort`] (`id` `None`) and [`Command::UpdateLinePort`] (`id` the row)
/// inside the command's transaction: checks the port ([`validate_line_port`]; a port number
/// and an extension number not used by another port, an extension number not used by an
/// extension or a queue, a trunk group that exists) and inserts or rewrites it. Returns the
/// row id and the operation.
pub(crate) fn write(
    tx: &Transaction<'_>,
    id: Option<i64>,
    c: &LinePortConfig,
) -> Result<(i64, Op)> {
    if let Some(id) = id {
        let found: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM line_ports WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !found {
            return Err(StoreError::NotFound {
                entity: Entity::LinePort,
                id,
            });
        }
    }
    validate_line_port(c)?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM line_ports WHERE port = ?1 AND id IS NOT ?2)",
        params![c.port, id],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Invalid::new("line_port.port", Rule::Duplicate).into());
    }
    if let Some(n) = &c.extension {
        let used: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM line_ports WHERE extension = ?1 AND id IS NOT ?2)
                 OR EXISTS(SELECT 1 FROM extensions WHERE number = ?1)
                 OR EXISTS(SELECT 1 FROM queues WHERE number = ?1)
                 OR EXISTS(SELECT 1 FROM did_rules WHERE pattern = ?1)",
            params![n, id],
            |r| r.get(0),
        )?;
        if used {
            return Err(Invalid::new("line_port.extension", Rule::Duplicate).into());
        }
    }
    if let Some(g) = &c.trunk_group {
        let found = tx
            .query_row("SELECT id FROM trunk_groups WHERE name = ?1", [g], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?;
        if found.is_none() {
            return Err(Invalid::new("line_port.trunk_group", Rule::NoSuchReference).into());
        }
    }
    let values = params![
        c.port,
        c.kind.as_str(),
        c.device,
        c.extension,
        c.route,
        c.trunk_group,
        c.caller_id.as_str(),
        c.country.as_str(),
        c.ring_on_ms,
        c.ring_off_ms,
        c.answer_on_polarity
    ];
    if let Some(id) = id {
        let mut all = values.to_vec();
        all.push(&id);
        tx.execute(
            "UPDATE line_ports SET port=?1, kind=?2, device=?3, extension=?4, route=?5, trunk_group=?6,
                 caller_id=?7, country=?8, ring_on_ms=?9, ring_off_ms=?10, answer_on_polarity=?11
                 WHERE id=?12",
            all.as_slice(),
        )?;
        Ok((id, Op::Update))
    } else {
        tx.execute(
            "INSERT INTO line_ports(port, kind, device, extension, route, trunk_group, caller_id, country, ring_on_ms, ring_off_ms, answer_on_polarity)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            values,
        )?;
        Ok((tx.last_insert_rowid(), Op::Create))
    }
}

impl Store {
    /// All line ports, by port number.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn line_ports(&self) -> Result<Vec<StoredLinePort>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {COLS} FROM line_ports ORDER BY port"))?;
        Ok(s.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a port: [`Command::CreateLinePort`] through [`Store::execute`] (checked as
    /// [`insert`] says, a new config revision, an audit row naming `ctx.actor`). Returns
    /// the port's row id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the field (nothing written); SQLite errors.
    pub fn add_line_port(&mut self, ctx: CommandContext<'_>, c: &LinePortConfig) -> Result<i64> {
        Ok(self.execute(ctx, &Command::CreateLinePort(c.clone()))?.id)
    }

    /// Replaces the port with row id `id`: [`Command::UpdateLinePort`] through
    /// [`Store::execute`] (checked as on create, the port's own numbers excepted; audited).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the field, [`StoreError::NotFound`] for an unknown id
    /// (nothing written); SQLite errors.
    pub fn update_line_port(
        &mut self,
        ctx: CommandContext<'_>,
        id: i64,
        c: &LinePortConfig,
    ) -> Result<()> {
        self.execute(
            ctx,
            &Command::UpdateLinePort {
                id,
                config: c.clone(),
            },
        )
        .map(drop)
    }

    /// Deletes the port with this row id ([`Command::DeleteLinePort`] through
    /// [`Store::execute`], audited); `false` when there was none (nothing written).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn delete_line_port(&mut self, ctx: CommandContext<'_>, id: i64) -> Result<bool> {
        match self.execute(ctx, &Command::DeleteLinePort { id }) {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
