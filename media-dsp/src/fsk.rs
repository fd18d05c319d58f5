//! FSK modems for caller ID: V.23 and Bell 202.
