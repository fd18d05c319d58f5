//! # media-dsp: the voice DSP path of the appliance
//!
//! Every call's audio passes through this crate: G.711 companding, DTMF generation and
//! detection, call-progress tones, the line echo canceller, caller-ID FSK, the conference
//! mixer and packet-loss concealment.
//!
//! **What it is:** pure signal-processing kernels over caller-supplied slices of 8 kHz
//! samples. They are built for the media thread: each processes a DAHDI-style 1 ms chunk
//! (8 samples) or any other block size, keeps fixed-size state, and allocates nothing
//! (the crate is `no_std` without `alloc` unless the `std` feature is on, so the compiler
//! enforces that). Time is counted in samples; nothing here reads a clock.
//!
//! **What it is not:** no I/O, no threads, no files, no codecs beyond G.711. WAV handling
//! and the command-line tool live behind the `cli` feature (`src/bin/dsp`), and the
//! real-time scheduling of channels belongs to the daemon.
//!
//! Features: `std` adds runtime CPU-feature dispatch (AVX2/FMA with a portable fallback,
//! via `multiversion`); `cli` (implies `std`) builds the `dsp` binary.
//!
//! Levels follow the usual telephony convention ([`level`]): a 0 dBm0 sine has a peak of
//! 3.14 dB below digital full scale.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

pub mod g711;
pub mod goertzel;
pub mod level;
pub mod noise;

pub mod ans;
pub mod cid;
pub mod dtmf;
pub mod fsk;
pub mod lec;
pub mod mixer;
pub mod plc;
pub mod r2mf;
pub mod tones;
