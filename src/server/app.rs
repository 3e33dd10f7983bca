//! The router and serving it, with graceful shutdown. The state every
//! handler shares is built in `state`.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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

/// Drops a client's `x-request-id` that is too long or holds anything but
/// visible ASCII: a new one is made in its place, so logs and answers never
/// carry what a client stuffed into the header.
async fn bound_request_id(mut request: Request<axum::body::Body>) -> Request<axum::body::Body> {
    let acceptable = request.headers().get("x-request-id").is_none_or(|id| {
        let bytes = id.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= REQUEST_ID_MAX
            && bytes.iter().all(|b| b.is_ascii_graphic())
    });
    if !acceptable {
        request.headers_mut().remove("x-request-id");
    }
    request
}

/// The HTTP routes and their layers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let layers = ServiceBuilder::new()
        .layer(axum::middleware::map_request(bound_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
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
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(CatchPanicLayer::custom(panic_response));
    let graphql = Router::new()
        .route("/graphql", get(http::get).post(http::post))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::authenticate::authenticate,
        ));
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
