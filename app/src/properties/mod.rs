//! Properties: the Manage Properties list, the property page, Create Property, Import Properties
//! and the dialogs and editors they share.

pub mod bulk;
pub mod create;
pub mod dialogs;
pub mod edit;
pub mod editors;
pub mod import;
pub mod list;
pub mod model;
pub mod secret;
pub mod server_fns;

pub use create::NewPropertyRoute;
pub use edit::PropertyRoute;
pub use import::ImportPropertiesRoute;
pub use list::PropertiesRoute;
