//! The HTML of every page: one shell (`shell.html`: doctype, `<head>` with
//! the charset, viewport, referrer policy, title and icon) that a [`Page`]
//! fills with its title, stylesheets or inline style, body and scripts; and
//! [`Rendered`], a page rendered on first use and answered with the
//! playground's [`headers`](super::headers) from then on.

use std::sync::LazyLock;

use axum::response::{Html, IntoResponse, Response};

use super::assets;

const SHELL: &str = include_str!("shell.html");

/// What one page puts into the shell.
#[derive(Debug)]
pub struct Page {
    /// The `<title>`.
    pub title: &'static str,
    /// The assets `<head>` links as stylesheets, in order.
    pub stylesheets: &'static [&'static str],
    /// CSS written into `<head>` as a `<style>` element, for a page that
    /// loads no asset.
    pub style: Option<&'static str>,
    /// The body's HTML before its scripts, ending with a line break.
    pub body: &'static str,
    /// The assets loaded as scripts at the end of the body, in order.
    pub scripts: &'static [&'static str],
}

impl Page {
    /// The page's HTML. `config` is the id of a `<script type="application/json">`
    /// element written before the scripts, which read it, and the JSON it
    /// holds (made safe inside `<script>`).
    pub fn render(&self, config: Option<(&str, serde_json::Value)>) -> String {
        let mut head = String::new();
        for name in self.stylesheets {
            head += &format!("<link rel=\"stylesheet\" href=\"{}\">\n", assets::url(name));
        }
        if let Some(style) = self.style {
            let indented: String = style.lines().map(|line| format!("  {line}\n")).collect();
            head += &format!("<style>\n{indented}</style>\n");
        }
        let mut body = self.body.to_owned();
        if let Some((id, config)) = config {
            // Inside <script>, no `</script>` (nor `<!--`) may appear.
            let config = config.to_string().replace('<', "\\u003c");
            body += &format!("<script id=\"{id}\" type=\"application/json\">{config}</script>\n");
        }
        for name in self.scripts {
            body += &format!("<script src=\"{}\"></script>\n", assets::url(name));
        }
        SHELL
            .replace("{{title}}", self.title)
            .replace("{{head}}", &head)
            .replace("{{body}}", &body)
    }
}

/// A page's HTML, rendered on first use and kept for the life of the process.
pub struct Rendered(LazyLock<String>);

impl Rendered {
    /// The page `render` makes.
    pub const fn new(render: fn() -> String) -> Rendered {
        Rendered(LazyLock::new(render))
    }

    /// The HTML.
    pub fn html(&'static self) -> &'static str {
        self.0.as_str()
    }

    /// The page as answered: [`headers`](super::headers) around the HTML.
    pub fn response(&'static self) -> Response {
        (super::headers(), Html(self.html())).into_response()
    }
}
