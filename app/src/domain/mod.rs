//! Pure domain rules of Gatehouse.
//!
//! Everything here is deterministic and free of I/O, clocks and randomness (those are passed in),
//! so the same code runs on the server and in the browser (wasm32) and can be tested exhaustively.

pub mod accounts;
pub mod features;
pub mod names;
pub mod setting_keys;
pub mod signature;
pub mod tokens;
pub mod whitelist;
