//! Settings in the console: the property settings editor ("Edit Settings", SPEC 3.5) and the
//! application settings page (SPEC 3.6). Both pages share one editor and one key picker; the rules
//! they follow live in [`crate::domain::settings_edit`].

mod editor;
pub mod model;
mod pages;
mod picker;
pub mod server_fns;

pub use pages::{AppSettingsRoute, PropertySettingsRoute};
