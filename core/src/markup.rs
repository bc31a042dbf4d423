//! Escaping text for the SVG and HTML documents the core writes.

/// `s` safe inside XML or HTML text and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
