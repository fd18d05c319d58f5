//! Packet-loss concealment for G.711 frames.
