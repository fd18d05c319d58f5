//! Real cards (Digium, Sangoma, OpenVox, ...) through DAHDI: the `/dev/dahdi` devices and
//! their ioctls (`docs/dahdi.md`).
//!
//! - [`sys`]: the raw user ABI (`#[repr(C)]` structs, request numbers, one safe wrapper per
//!   ioctl), the only module of the project with `unsafe`;
//! - [`span`]: `DAHDI_SPANSTAT` answers as [`crate::SpanInfo`] (like `dahdi_scan`), alarms,
//!   counters, event codes, loopback commands;
//! - [`chan`]: channel roles from their signalling, buffer policies, D-channel FCS bytes.
// No `forbid(unsafe_code)` here: it would reach `sys`. This file stays under the crate's `deny`;
// every other child module forbids `unsafe` itself.

pub mod chan;
pub mod span;
pub mod sys;
