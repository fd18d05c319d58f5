//! Configuration of the FXS and FXO machines, with DAHDI/Asterisk-like defaults.
//!
//! Sources of the defaults: DAHDI `include/dahdi/kernel.h` (`DAHDI_DEFAULT_*`,
//! `DAHDI_MINPULSETIME`/`MAXPULSETIME`/`PULSETIMEOUT`, `DAHDI_KEWLTIME`), Asterisk
//! `chan_dahdi.conf` (`firstdigittimeout`, `gendigittimeout`, `cidsignalling`, `cidstart`,
//! `busydetect`, `hanguponpolarityswitch`), ETSI EN 300 659-1 (caller-ID timing),
//! dahdi-tools `zonedata.c` (ring cadences). Where a value is our own choice it says so.

use media_dsp::fsk::FskStandard;
use media_dsp::tones::Country;

/// A ring cadence: ring voltage on, then off, repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingCadence {
    /// Ring-on time, ms.
    pub on_ms: u32,
    /// Ring-off time, ms.
    pub off_ms: u32,
}

impl RingCadence {
    /// China: 1 s on, 4 s off (dahdi-tools `zonedata.c` "cn", `ringcadence = 1000,4000`).
    pub const CHINA: Self = Self {
        on_ms: 1000,
        off_ms: 4000,
    };
    /// ETSI (most of continental Europe): 1 s on, 4 s off (`zonedata.c` "de"/"fr"...,
    /// ETSI TR 101 041).
    pub const ETSI: Self = Self {
        on_ms: 1000,
        off_ms: 4000,
    };
    /// North America: 2 s on, 4 s off (`zonedata.c` "us").
    pub const NORTH_AMERICA: Self = Self {
        on_ms: 2000,
        off_ms: 4000,
    };

    /// The usual cadence of `country`.
    #[must_use]
    pub fn for_country(country: Country) -> Self {
        match country {
            Country::NorthAmerica => Self::NORTH_AMERICA,
            Country::Etsi => Self::ETSI,
            _ => Self::CHINA,
        }
    }
}

/// How caller ID is signalled (Asterisk `cidsignalling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidSignalling {
    /// FSK on a modem (`v23` for ETSI/China, `bell` for Bell 202).
    Fsk(FskStandard),
    /// DTMF CLIP (ETSI EN 300 659-1 Annex B, `dtmf`).
    Dtmf,
}

/// When caller ID is sent (Asterisk `cidstart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidStart {
    /// Between the first and second ring (`cidstart=ring`).
    Ring,
    /// Before the first ring, after a polarity reversal (`cidstart=polarity`).
    Polarity,
}

/// What an FXS port does on the line when the far end clears a call with the phone still
/// off-hook (busy tone, then howler, is always played).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisconnectSignals {
    /// Restore normal polarity (after a reversal on answer). Default on.
    pub polarity: bool,
    /// Drop battery for [`FxsTimers::open_loop_ms`] (DAHDI's "kewl" pulse; what an FXO
    /// in kewlstart mode watches). Default on.
    pub battery_drop: bool,
}

impl Default for DisconnectSignals {
    fn default() -> Self {
        Self {
            polarity: true,
            battery_drop: true,
        }
    }
}

/// FXS timers, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FxsTimers {
    /// Shortest loop opening taken as a dial pulse; shorter is contact bounce. 15 ms
    /// (DAHDI `DAHDI_MINPULSETIME`).
    pub pulse_break_min_ms: u32,
    /// Longest loop opening taken as a dial pulse; longer is a hook flash. 200 ms (DAHDI
    /// `DAHDI_MAXPULSETIME`).
    pub pulse_break_max_ms: u32,
    /// Loop closed this long after a pulse ends the digit. 250 ms (DAHDI
    /// `DAHDI_PULSETIMEOUT` = 200 ms / 8 samples + 50).
    pub pulse_digit_ms: u32,
    /// Longest loop opening taken as a hook flash; longer is on-hook. 1250 ms (DAHDI
    /// `DAHDI_DEFAULT_RXFLASHTIME`).
    pub flash_max_ms: u32,
    /// Dial tone with no digit this long: the phone is left off-hook. 16000 ms (Asterisk
    /// `firstdigittimeout`).
    pub first_digit_ms: u32,
    /// Silence after a digit this long ends the number. 8000 ms (Asterisk
    /// `gendigittimeout`).
    pub inter_digit_ms: u32,
    /// FSK caller ID starts this long after the first ring ends. 500 ms (ETSI EN 300 659-1
    /// §6.1.1: no sooner than 500 ms after the first ring).
    pub cid_after_ring_ms: u32,
    /// Caller ID starts this long after the alerting polarity reversal. 300 ms (EN 300
    /// 659-1 §6.1.2 asks for at least 100 ms; our choice with margin).
    pub cid_after_polarity_ms: u32,
    /// First ring this long after caller ID sent before ringing. 300 ms (EN 300 659-1 asks
    /// for at least 200 ms; our choice with margin).
    pub ring_after_cid_ms: u32,
    /// Battery removed this long for an open-loop disconnect. 500 ms (DAHDI
    /// `DAHDI_KEWLTIME`).
    pub open_loop_ms: u32,
    /// Busy tone this long before the howler, for a phone left off-hook. 30000 ms (our
    /// choice; Asterisk plays congestion indefinitely).
    pub busy_before_howler_ms: u32,
}

impl Default for FxsTimers {
    fn default() -> Self {
        Self {
            pulse_break_min_ms: 15,
            pulse_break_max_ms: 200,
            pulse_digit_ms: 250,
            flash_max_ms: 1250,
            first_digit_ms: 16000,
            inter_digit_ms: 8000,
            cid_after_ring_ms: 500,
            cid_after_polarity_ms: 300,
            ring_after_cid_ms: 300,
            open_loop_ms: 500,
            busy_before_howler_ms: 30000,
        }
    }
}

/// Configuration of an [`Fxs`](crate::Fxs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FxsConfig {
    /// Tone plan (dial, busy, ringback...).
    pub country: Country,
    /// Ring cadence.
    pub cadence: RingCadence,
    /// How caller ID is sent; `None` sends none.
    pub cid_signalling: Option<CidSignalling>,
    /// When caller ID is sent.
    pub cid_start: CidStart,
    /// Reverse polarity when the far end answers a call this phone made. Default on.
    pub reverse_on_answer: bool,
    /// Line signals on far-end disconnect.
    pub disconnect: DisconnectSignals,
    /// Level of tones and caller ID, dBm0 (tones at their plan's level when `None`).
    pub tone_level_dbm0: Option<f32>,
    /// Caller-ID signal level, dBm0. −13 dBm0 (EN 300 659-1 nominal range).
    pub cid_level_dbm0: f32,
    /// Timers.
    pub timers: FxsTimers,
}

impl FxsConfig {
    /// China defaults: 450 Hz tones, 1 s/4 s ringing, FSK V.23 caller ID between the first
    /// and second ring (YD/T 1277.1 practice).
    #[must_use]
    pub fn china() -> Self {
        Self::for_country(Country::China)
    }

    /// Defaults for `country`: its tones and cadence; FSK caller ID after the first ring
    /// (Bell 202 in North America, V.23 elsewhere).
    #[must_use]
    pub fn for_country(country: Country) -> Self {
        let fsk = if country == Country::NorthAmerica {
            FskStandard::Bell202
        } else {
            FskStandard::V23
        };
        Self {
            country,
            cadence: RingCadence::for_country(country),
            cid_signalling: Some(CidSignalling::Fsk(fsk)),
            cid_start: CidStart::Ring,
            reverse_on_answer: true,
            disconnect: DisconnectSignals::default(),
            tone_level_dbm0: None,
            cid_level_dbm0: -13.0,
            timers: FxsTimers::default(),
        }
    }
}

impl Default for FxsConfig {
    fn default() -> Self {
        Self::china()
    }
}

/// FXO timers, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FxoTimers {
    /// Shortest ring burst taken as a ring; shorter is noise. 150 ms (our choice: below
    /// the 200–400 ms ring-pulse alerts some COs send, above line transients).
    pub ring_min_on_ms: u32,
    /// Cadence tolerance, percent of the expected on and off times. 50 % (our choice:
    /// ring generators drift, and the first burst may be cut short).
    pub ring_tolerance_pct: u32,
    /// Battery absent this long while off-hook is a disconnect. 250 ms (our choice:
    /// shorter than DAHDI's 500 ms `DAHDI_KEWLTIME` open-loop pulse).
    pub battery_drop_ms: u32,
    /// Loop opened this long for a hook flash. 750 ms (DAHDI `DAHDI_DEFAULT_FLASHTIME`).
    pub flash_ms: u32,
    /// Dial pulse break (loop open). 50 ms (DAHDI `DAHDI_DEFAULT_PULSEBREAKTIME`).
    pub pulse_break_ms: u32,
    /// Dial pulse make (loop closed between pulses). 50 ms (DAHDI
    /// `DAHDI_DEFAULT_PULSEMAKETIME`).
    pub pulse_make_ms: u32,
    /// Loop closed between pulse digits. 750 ms (DAHDI `DAHDI_DEFAULT_PULSEAFTERTIME`).
    pub pulse_interdigit_ms: u32,
    /// DTMF tone on per digit. 100 ms (media-dsp generator default).
    pub dtmf_on_ms: u32,
    /// DTMF silence after each digit. 100 ms (media-dsp generator default).
    pub dtmf_off_ms: u32,
    /// Caller-ID receivers stay armed this long after a polarity reversal or the end of a
    /// ring. 5000 ms (our choice: longer than a ring-off period).
    pub cid_window_ms: u32,
}

impl Default for FxoTimers {
    fn default() -> Self {
        Self {
            ring_min_on_ms: 150,
            ring_tolerance_pct: 50,
            battery_drop_ms: 250,
            flash_ms: 750,
            pulse_break_ms: 50,
            pulse_make_ms: 50,
            pulse_interdigit_ms: 750,
            dtmf_on_ms: 100,
            dtmf_off_ms: 100,
            cid_window_ms: 5000,
        }
    }
}

/// Configuration of an [`Fxo`](crate::Fxo).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FxoConfig {
    /// Tone plan the tone detector listens for.
    pub country: Country,
    /// Expected ring cadence.
    pub cadence: RingCadence,
    /// Caller ID expected (`cidsignalling`); `None`: no receiver runs.
    pub cid_signalling: Option<CidSignalling>,
    /// When caller ID comes (`cidstart`).
    pub cid_start: CidStart,
    /// On a call we made, the first polarity reversal is the far end's answer. Default on.
    pub answer_on_polarity: bool,
    /// A polarity change on a connected call is a disconnect (Asterisk
    /// `hanguponpolarityswitch`). Default on.
    pub hangup_on_polarity: bool,
    /// Busy or congestion tone on the line is a disconnect (Asterisk `busydetect`). Default
    /// on: many Chinese COs send only a busy tone.
    pub busy_detect: bool,
    /// Battery drop is a disconnect (kewlstart). Default on.
    pub battery_disconnect: bool,
    /// DTMF dialling level, dBm0. −10 dBm0 (media-dsp default).
    pub dtmf_level_dbm0: f32,
    /// Timers.
    pub timers: FxoTimers,
}

impl FxoConfig {
    /// China defaults: 450 Hz tones, 1 s/4 s ringing, FSK V.23 caller ID after the first
    /// ring, every disconnect supervision on.
    #[must_use]
    pub fn china() -> Self {
        Self::for_country(Country::China)
    }

    /// Defaults for `country`, as [`FxsConfig::for_country`].
    #[must_use]
    pub fn for_country(country: Country) -> Self {
        let fsk = if country == Country::NorthAmerica {
            FskStandard::Bell202
        } else {
            FskStandard::V23
        };
        Self {
            country,
            cadence: RingCadence::for_country(country),
            cid_signalling: Some(CidSignalling::Fsk(fsk)),
            cid_start: CidStart::Ring,
            answer_on_polarity: true,
            hangup_on_polarity: true,
            busy_detect: true,
            battery_disconnect: true,
            dtmf_level_dbm0: -10.0,
            timers: FxoTimers::default(),
        }
    }
}

impl Default for FxoConfig {
    fn default() -> Self {
        Self::china()
    }
}
