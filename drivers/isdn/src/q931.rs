//! Q.931 call control.
