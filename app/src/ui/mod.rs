//! Small building blocks every console page uses: dialogs, toasts.

pub mod dialog;
pub mod toast;

pub use dialog::Dialog;
pub use toast::{provide_toasts, use_toasts, ToastRegion};
