//! See the module documentation of `crate::sync`.
