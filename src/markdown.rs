//! Texts people write (minutes, notes) are Markdown, rendered on the server
//! and sanitised: CommonMark by pulldown-cmark, then ammonia's allow-list of
//! tags, attributes and URL schemes, so no script, style or event handler a
//! writer types reaches a reader's browser.

use pulldown_cmark::{Options, Parser, html};

/// `text` as sanitised HTML.
pub fn render(text: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(text, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown_and_drops_what_could_run() {
        let html = render(
            "**Agreed**: see [the plan](https://example.org/p).\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Agreed</strong>"), "{html}");
        assert!(html.contains("href=\"https://example.org/p\""), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
