//! The router and serving it, with graceful shutdown. The state every
//! handler shares is built in `state`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::server::http;
pub use crate::server::state::{AppState, StartError};

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(app): State<AppState>) -> Response {
    if app.db.ping().await {
        axum::Json(serde_json::json!({ "status": "ready" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "database unreachable" })),
        )
            .into_response()
    }
}

async fn metrics(State(app): State<AppState>) -> Response {
    app.db.observe_pool();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry_metrics::render(),
    )
        .into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let body = crate::graphql::error::request_error("internal error", "INTERNAL");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// The longest `x-request-id` a client may give (a UUID has 36 characters).
const REQUEST_ID_MAX: usize = 128;

const X_REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Whether a client's `x-request-id` may name its request: short, visible ASCII.
fn acceptable_request_id(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty() && bytes.len() <= REQUEST_ID_MAX && bytes.iter().all(u8::is_ascii_graphic)
}

/// Names every request and its answer: the client's `x-request-id` when it
/// is acceptable, a new UUID in its place otherwise, so logs and answers
/// never carry what a client stuffed into the header. One layer, with no
/// boxed future, on the path of every request.
#[derive(Clone, Copy)]
struct RequestIdLayer;

impl<S> tower::Layer<S> for RequestIdLayer {
    type Service = RequestId<S>;

    fn layer(&self, inner: S) -> RequestId<S> {
        RequestId(inner)
    }
}

#[derive(Clone)]
struct RequestId<S>(S);

impl<S, B, R> tower::Service<Request<B>> for RequestId<S>
where
    S: tower::Service<Request<B>, Response = axum::http::Response<R>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Named<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let id = match request.headers().get(X_REQUEST_ID) {
            Some(id) if acceptable_request_id(id) => id.clone(),
            _ => {
                let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
                let made = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
                let id = HeaderValue::from_str(made).expect("a UUID is a header value");
                request.headers_mut().insert(X_REQUEST_ID, id.clone());
                id
            }
        };
        Named {
            inner: self.0.call(request),
            id: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    /// A response on its way, to be named.
    struct Named<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, R, E> Future for Named<F>
where
    F: Future<Output = Result<axum::http::Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().entry(X_REQUEST_ID).or_insert(id);
        }
        Poll::Ready(Ok(response))
    }
}

/// The HTTP routes and their layers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let layers = ServiceBuilder::new()
        .layer(RequestIdLayer)
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(CatchPanicLayer::custom(panic_response));
    let graphql = Router::new().route("/graphql", get(http::get).post(http::post));
    let cors = state.origins.cors();
    Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(crate::server::ws::handler))
        .route("/", get(crate::server::web::console))
        .route("/committee", get(crate::server::web::console))
        .route("/meetings", get(crate::server::web::console))
        .route("/meetings/{code}", get(crate::server::web::console))
        .route("/meetings/{code}/record", get(crate::server::record::page))
        .route(
            "/meetings/{code}/progress-report",
            get(crate::server::report::page),
        )
        .route("/calendar.ics", get(crate::server::calendar::calendar))
        .route("/month", get(crate::server::web::console))
        .route("/decisions", get(crate::server::web::console))
        .route("/action-points", get(crate::server::web::console))
        .route("/meetings/{code}/minutes", get(crate::server::web::console))
        .route("/nominations", get(crate::server::web::console))
        .route("/nominations/{id}", get(crate::server::web::console))
        .route("/states/{code}", get(crate::server::web::console))
        .route("/topics", get(crate::server::web::console))
        .route("/topics/{id}", get(crate::server::web::console))
        .route("/working-groups", get(crate::server::web::console))
        .route("/working-groups/{code}", get(crate::server::web::console))
        .route("/progress/{code}", get(crate::server::web::console))
        .route(
            "/assets/{*path}",
            // The vendored libraries are large (GraphiQL ~3.5 MB): gzip them
            // for slow meeting-room and ministry networks.
            get(crate::server::web::asset).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .layer(layers)
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests
/// in flight. Each connection is served by hyper with a bound on the time
/// its request headers may take to arrive (a client trickling them byte by
/// byte is let go), besides the listener's idle timeout.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::Listener as _;
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt as _;

    let cap = crate::server::listener::connection_cap(
        state.config.max_http_connections,
        crate::server::listener::raise_file_limit(),
    );
    let idle = std::time::Duration::from_secs(state.config.idle_timeout_secs.max(1));
    let headers = std::time::Duration::from_secs(state.config.header_timeout_secs.max(1));
    tracing::debug!(cap, "admitting connections");
    let mut listener = crate::server::listener::Guarded::new(listener, cap, idle);
    let service = router(state.clone());
    // Connections watch `stop` to shut down gracefully; `served` is held by
    // each until it ends, so the server waits for the last one.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let (served, all_served) = tokio::sync::mpsc::channel::<()>(1);
    let mut all_served = all_served;
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, _addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let service = service
            .clone()
            .map_request(|request: Request<hyper::body::Incoming>| {
                request.map(axum::body::Body::new)
            });
        let mut stopping = stopping.clone();
        let served = served.clone();
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(headers);
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(io),
                TowerToHyperService::new(service),
            );
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "a connection ended with an error");
                    }
                    return;
                }
                _ = stopping.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
            drop(served);
        });
    }
    state.begin_shutdown();
    let _ = stop.send(true);
    drop(served);
    // Every connection task holds a sender; `recv` answers `None` once all are gone.
    let _ = all_served.recv().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Starts the server as `ccm-committee serve` does.
pub async fn run(config: Config) -> Result<(), StartError> {
    let addr = config.addr;
    let state = AppState::init(config, Arc::new(SystemClock)).await?;
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}
