//! # e1: the E1 framer and HDLC, sans-IO
//!
//! (crate docs are completed with the framer)

pub mod hdlc;
