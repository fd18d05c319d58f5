//! 2100 Hz answer tone (ANS/ANSam, V.25/V.8) detection with phase reversals (G.164/G.165 disabler).
