//! Q.921 LAPD.
