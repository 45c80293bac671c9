//! Small building blocks every console page uses: dialogs, toasts, the clipboard.

pub mod clipboard;
pub mod dialog;
pub mod toast;

pub use clipboard::copy_to_clipboard;
pub use dialog::Dialog;
pub use toast::{provide_toasts, use_toasts, ToastRegion};
