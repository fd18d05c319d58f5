//! Caller-ID messages: SDMF/MDMF (ETSI EN 300 659, Bellcore GR-30) and DTMF CLIP.
