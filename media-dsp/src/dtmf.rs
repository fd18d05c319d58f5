//! DTMF generation and detection (ITU-T Q.23/Q.24).
