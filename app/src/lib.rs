//! Gatehouse: the console (Leptos pages and server functions) and everything shared with the server.
//!
//! Layout, by feature:
//! - [`domain`]: the product's rules as plain functions (features, whitelists, names, tokens,
//!   signatures, setting keys). No I/O; compiled for the server and the browser alike.
//! - [`store`] (server only): the one module that talks SQL.
//! - [`shell`]: the console frame (header, navigation, routes) every page sits in.
//! - [`ops`] (server only): the operations every door calls; they check, authorize, write and
//!   audit each change in one transaction.
//! - [`properties`], [`settings`], [`auth`], [`audit`]: the console's pages, each with its server
//!   functions.
#![recursion_limit = "256"]

pub mod audit;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod clock;
pub mod domain;
pub mod error;
pub mod icons;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod properties;
pub mod settings;
pub mod shell;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
pub mod wire;

pub use shell::{shell, App};

/// Referenced by the wasm entry so the linker keeps this crate, and with it the islands' exported
/// hydration functions, which nothing else in the entry calls.
pub fn link_islands() {}
