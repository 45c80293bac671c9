//! How server functions' answers cross the wire: JSON, decoded in the browser from a `&str`.
//!
//! Why not server_fn's own `Json`: it decodes answers from bytes (`serde_json::from_slice`),
//! while the islands' props (a page's first data, in the HTML) are decoded from a string
//! (`from_str`). serde_json compiles each type's decoder once per input kind, so every type that
//! is both a prop and an answer (a list page, a property, its settings, an error) was in the wasm
//! twice. Decoding answers from a string too keeps one copy.

use leptos::server_fn::codec::{JsonEncoding, Post};
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;

/// The codec: server_fn's JSON, except that answers are read from text.
pub struct TextJson;

impl ContentType for TextJson {
    const CONTENT_TYPE: &'static str = JsonEncoding::CONTENT_TYPE;
}

impl FormatType for TextJson {
    const FORMAT_TYPE: Format = JsonEncoding::FORMAT_TYPE;
}

impl<T: Serialize> Encodes<T> for TextJson {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        <JsonEncoding as Encodes<T>>::encode(output)
    }
}

impl<T: DeserializeOwned> Decodes<T> for TextJson {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// For `#[server(output = Wire)]`: every console server function answers with it.
///
/// Arguments travel as JSON too (`input = Json`), so the browser carries serde_json's encoder
/// alone and not also the form encoder (`serde_qs`). The exceptions are the functions a plain
/// HTML form posts to when JavaScript is off: sign in, sign out and change password.
pub type Wire = Post<TextJson>;
