//! Small building blocks every console page uses: dialogs, toasts, the clipboard, focus and the
//! unsaved-changes guard.

pub mod clipboard;
pub mod dialog;
pub mod history;
pub mod page;
pub mod preload;
pub mod toast;
pub mod viewer;

pub use clipboard::copy_to_clipboard;
pub use dialog::Dialog;
pub use page::{focus_later, follow_title, guard_unsaved_changes, island_ready, navigate_to};
pub use preload::{IslandScripts, PreloadIsland};
pub use toast::{provide_toasts, use_toasts, ToastRegion};
