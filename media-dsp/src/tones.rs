//! Call-progress tone generation and detection with country profiles.
