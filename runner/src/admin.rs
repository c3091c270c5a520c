//! The admin listener: Prometheus metrics on `/metrics`, apart from the
//! public port so that the ALB never exposes them.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, body::Incoming, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::metrics::{CONTENT_TYPE, Metrics};
use crate::server::ACCEPT_RETRY;

/// Serves `GET /metrics` until the process exits.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: trying again at once would spin.
            Err(error) => {
                tracing::error!(error = %error, "cannot accept an admin connection");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let handler = service_fn(move |request| respond(metrics.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await;
        });
    }
}

/// `/metrics` in the OpenMetrics text format; anything else is not found.
async fn respond(
    metrics: Arc<Metrics>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    const TEXT: &str = "text/plain; charset=utf-8";
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => match metrics.render() {
            Ok(exposition) => (StatusCode::OK, CONTENT_TYPE, exposition),
            Err(error) => {
                tracing::error!(error = %error, "cannot render the metrics");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    TEXT,
                    "Internal Server Error".to_string(),
                )
            }
        },
        _ => (StatusCode::NOT_FOUND, TEXT, "Not Found".to_string()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    Ok(response)
}
