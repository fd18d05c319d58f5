//! Conference mixer.
