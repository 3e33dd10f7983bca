//! The pages a browser gets: the committee console at `/` and GraphiQL at
//! `GET /graphql`, with every file they load embedded in the binary (the
//! console's own modules and the vendored libraries of `web/vendor`, pinned
//! in `web/package.json`). Nothing is fetched from another origin, and a
//! Content-Security-Policy says so to the browser.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Only our own origin: scripts, styles, connections (HTTP and WebSocket),
/// images and fonts. Inline styles are allowed (GraphiQL and the diagrams
/// set them); inline scripts are not.
const POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
     connect-src 'self'";

/// The Content-Security-Policy of a page served to `host`. Browsers that do
/// not count WebSockets as 'self' get the socket's own URLs named, when the
/// `Host` header is a plain `host[:port]`.
fn content_security_policy(host: Option<&HeaderValue>) -> HeaderValue {
    let sockets = host
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!("{POLICY}{sockets}"))
        .unwrap_or_else(|_| HeaderValue::from_static(POLICY))
}

/// An embedded file: its path under `/assets/`, media type and bytes.
struct Asset {
    path: &'static str,
    media: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $media:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            media: $media,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)),
        }),*]
    };
}

static ASSETS: &[Asset] = assets! {
    "graphiql.js" => "text/javascript; charset=utf-8",
    "graphiql.css" => "text/css; charset=utf-8",
    "console/app.js" => "text/javascript; charset=utf-8",
    "console/api.js" => "text/javascript; charset=utf-8",
    "console/ui.js" => "text/javascript; charset=utf-8",
    "console/pages.js" => "text/javascript; charset=utf-8",
    "console/month.js" => "text/javascript; charset=utf-8",
    "console/topics.js" => "text/javascript; charset=utf-8",
    "console/words.js" => "text/javascript; charset=utf-8",
    "console/console.css" => "text/css; charset=utf-8",
    "vendor/react.production.min.js" => "text/javascript; charset=utf-8",
    "vendor/react-dom.production.min.js" => "text/javascript; charset=utf-8",
    "vendor/graphiql.min.js" => "text/javascript; charset=utf-8",
    "vendor/graphiql.min.css" => "text/css; charset=utf-8",
    "vendor/graphql-ws.min.js" => "text/javascript; charset=utf-8",
    "vendor/mermaid.min.js" => "text/javascript; charset=utf-8",
};

static GRAPHIQL: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/graphiql.html"));
static CONSOLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/web/console/index.html"
));

/// A page built for the request (the record of a meeting), with the same policy.
pub fn html_page(html: String, headers: &HeaderMap) -> Response {
    page(html, headers)
}

/// A page, with the policy that keeps it to our own origin.
fn page(html: impl IntoResponse, headers: &HeaderMap) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(headers.get(header::HOST)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
        ],
        html,
    )
        .into_response()
}

/// GraphiQL.
pub fn graphiql(headers: &HeaderMap) -> Response {
    page(GRAPHIQL, headers)
}

/// `GET /` and the console's own paths (`/meetings/…`): the console, which
/// routes in the browser.
pub async fn console(headers: HeaderMap) -> Response {
    page(CONSOLE, &headers)
}

/// `GET /assets/{*path}`: an embedded file. The vendored libraries never
/// change under a running binary; the console's modules are revalidated.
pub async fn asset(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let cache = if path.starts_with("vendor/") {
        "public, max-age=86400"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, asset.media),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.bytes,
    )
        .into_response()
}

/// The origins allowed to call the API from another web page, normalised
/// (`scheme://host[:port]`, no trailing slash); an entry that is not an
/// origin is refused at start-up.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(Vec<HeaderValue>);

impl AllowedOrigins {
    pub fn parse(origins: &[String]) -> Result<Self, String> {
        origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
            .map(|o| {
                authority(o)
                    .and_then(|_| HeaderValue::from_str(o).ok())
                    .ok_or_else(|| {
                        format!(
                            "`{o}` is not an origin (scheme://host[:port], e.g. https://intranet.example.org)"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// CORS for the API: the listed origins may send GraphQL over HTTP
    /// (`GET`, `POST`; `content-type`, `authorization`, `accept`) and read
    /// the answer; preflights are cached for ten minutes.
    pub fn cors(&self) -> tower_http::cors::CorsLayer {
        use axum::http::{
            Method,
            header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE},
        };
        tower_http::cors::CorsLayer::new()
            .allow_origin(self.0.clone())
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([CONTENT_TYPE, AUTHORIZATION, ACCEPT])
            .expose_headers([axum::http::HeaderName::from_static("x-request-id")])
            .max_age(std::time::Duration::from_secs(600))
    }

    /// Whether a WebSocket upgrade may proceed: no `Origin` (not a browser),
    /// our own origin (`host`), or a listed one.
    pub fn admits_upgrade(&self, origin: Option<&HeaderValue>, host: Option<&HeaderValue>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        if self.0.iter().any(|o| o == origin) {
            return true;
        }
        let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(|h| h.to_str())) else {
            return false;
        };
        authority(origin).is_some_and(|authority| authority.eq_ignore_ascii_case(host))
    }
}

/// The `host[:port]` of an origin (`http://` or `https://`, nothing after
/// the authority); None when it is not one.
fn authority(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    (matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains('/')).then_some(rest)
}
