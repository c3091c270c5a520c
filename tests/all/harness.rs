use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use clap::Parser;
use factorial_corpus::{ReceivedResponse, component_path};
use factorial_runner::config::{Cli, ServeOptions};
use factorial_runner::guest::GuestSettings;
use factorial_runner::memory;
use factorial_runner::metrics::Metrics;
use factorial_runner::service::Service;
use http_body_util::{BodyExt, Empty};
use hyper::http::uri::Uri;

/// The runner's serve options from these command-line arguments.
pub fn serve_options(args: &[&str]) -> ServeOptions {
    let mut argv = vec!["factorial-runner"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("valid options").serve
}

fn load(options: &ServeOptions, guest: GuestSettings) -> Arc<Service> {
    let metrics = Arc::new(Metrics::default());
    let plan = memory::plan(&options.limits).expect("a memory budget");
    let service = Service::load(&component_path(), guest, &options.limits, &plan, metrics);
    Arc::new(service.expect("the component loads"))
}

/// The component as the runner sets it up from these command-line options.
pub fn service_with_options(args: &[&str]) -> Arc<Service> {
    let options = serve_options(args);
    load(&options, options.guest_settings())
}

/// The component with the runner's defaults, compiled once for all tests.
pub fn service() -> Arc<Service> {
    static DEFAULT: LazyLock<Arc<Service>> = LazyLock::new(|| service_with_options(&[]));
    DEFAULT.clone()
}

/// The runner's default guest settings with another environment, which
/// the runner itself would refuse to pass.
pub fn guest_with_env(env: &[(&str, &str)]) -> GuestSettings {
    GuestSettings {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..serve_options(&[]).guest_settings()
    }
}

/// The component with a guest environment the runner would refuse to pass.
pub fn service_with_guest_env(env: &[(&str, &str)]) -> Arc<Service> {
    load(&serve_options(&[]), guest_with_env(env))
}

/// Sends one request with no body.
pub async fn send(
    service: &Service,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> ReceivedResponse {
    let uri = Uri::builder()
        .scheme("http")
        .authority("localhost")
        .path_and_query(path_and_query)
        .build()
        .unwrap();
    let mut request = hyper::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Empty::<Bytes>::new()).unwrap();
    let response = service
        .handle(request)
        .await
        .expect("the component answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.to_string(), value)
        })
        .collect();
    // Like any HTTP client, read no body after HEAD: the length describes
    // what GET would send.
    let body = if method == "HEAD" {
        Vec::new()
    } else {
        let body = response.into_body().collect().await;
        body.expect("the body arrives whole").to_bytes().to_vec()
    };
    ReceivedResponse {
        status,
        headers,
        body,
    }
}

/// `GET` with the default service.
pub async fn get(path_and_query: &str) -> ReceivedResponse {
    send(&service(), "GET", path_and_query, &[]).await
}
