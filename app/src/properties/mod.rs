//! Properties: the Manage Properties list, the property page and the dialogs they share.

pub mod api;
pub mod dialogs;
pub mod list;
pub mod model;
pub mod page;

pub use list::PropertiesPage;
pub use page::{NewPropertyPage, PropertyPage};
