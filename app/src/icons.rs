//! Inline SVG icons (no icon fonts, no CDN). Decorative: `aria-hidden`, so the control around an
//! icon carries the accessible name.

use leptos::prelude::*;

fn svg(path: &'static str) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="18"
            height="18"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
            inner_html=path
        ></svg>
    }
}

pub fn logo() -> impl IntoView {
    svg(r#"<path d="M3 21V9l9-6 9 6v12"/><path d="M9 21v-6a3 3 0 0 1 6 0v6"/>"#)
}
pub fn menu() -> impl IntoView {
    svg(r#"<path d="M4 6h16M4 12h16M4 18h16"/>"#)
}
pub fn search() -> impl IntoView {
    svg(r#"<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>"#)
}
pub fn filter() -> impl IntoView {
    svg(r#"<path d="M3 5h18l-7 8v6l-4 2v-8z"/>"#)
}
pub fn plus() -> impl IntoView {
    svg(r#"<path d="M12 5v14M5 12h14"/>"#)
}
/// Import: an arrow up out of a tray.
pub fn upload() -> impl IntoView {
    svg(r#"<path d="M12 15V3M7 8l5-5 5 5"/><path d="M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4"/>"#)
}
pub fn download() -> impl IntoView {
    svg(r#"<path d="M12 3v12M7 10l5 5 5-5"/><path d="M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4"/>"#)
}
pub fn copy() -> impl IntoView {
    svg(r#"<rect x="9" y="9" width="12" height="12" rx="2"/><path d="M5 15V5a2 2 0 0 1 2-2h10"/>"#)
}
pub fn trash() -> impl IntoView {
    svg(r#"<path d="M3 6h18M8 6V4h8v2M6 6l1 14h10l1-14M10 11v6M14 11v6"/>"#)
}
pub fn eye() -> impl IntoView {
    svg(
        r#"<path d="M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>"#,
    )
}
pub fn eye_off() -> impl IntoView {
    svg(
        r#"<path d="M3 3l18 18M10.6 5.1A10 10 0 0 1 12 5c6 0 10 7 10 7a17 17 0 0 1-3.2 3.9M6.6 6.6C3.9 8.4 2 12 2 12s4 7 10 7a9.7 9.7 0 0 0 5.4-1.6M9.9 9.9a3 3 0 0 0 4.2 4.2"/>"#,
    )
}
pub fn more() -> impl IntoView {
    svg(
        r#"<circle cx="12" cy="5" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="12" cy="19" r="1"/>"#,
    )
}
pub fn chevron_left() -> impl IntoView {
    svg(r#"<path d="m15 18-6-6 6-6"/>"#)
}
pub fn chevron_right() -> impl IntoView {
    svg(r#"<path d="m9 18 6-6-6-6"/>"#)
}
pub fn arrow_up() -> impl IntoView {
    svg(r#"<path d="M12 19V5M5 12l7-7 7 7"/>"#)
}
pub fn arrow_down() -> impl IntoView {
    svg(r#"<path d="M12 5v14M19 12l-7 7-7-7"/>"#)
}
pub fn globe_lock() -> impl IntoView {
    svg(
        r#"<circle cx="10" cy="10" r="7"/><path d="M3 10h14M10 3a11 11 0 0 1 0 14M10 3a11 11 0 0 0 0 14"/><rect x="14" y="15" width="8" height="6" rx="1"/><path d="M16 15v-2a2 2 0 0 1 4 0v2"/>"#,
    )
}
pub fn key() -> impl IntoView {
    svg(r#"<circle cx="7.5" cy="15.5" r="4.5"/><path d="m10.7 12.3 9.3-9.3M16 7l3 3M14 9l2 2"/>"#)
}
pub fn refresh() -> impl IntoView {
    svg(r#"<path d="M21 12a9 9 0 1 1-3-6.7L21 8"/><path d="M21 3v5h-5"/>"#)
}
pub fn close() -> impl IntoView {
    svg(r#"<path d="M18 6 6 18M6 6l12 12"/>"#)
}
