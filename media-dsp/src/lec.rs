//! Line echo canceller (ITU-T G.168).
