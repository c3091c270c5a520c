//! The wasmtime side: one `Engine`, the component compiled and
//! pre-instantiated once, and a fresh instance in a fresh `Store` for every
//! request, so no state leaks from one request to the next.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::host::{GuestSettings, Host};

/// A loaded component, ready to answer requests.
pub struct Service {
    pre: ProxyPre<Host>,
    guest: GuestSettings,
}

impl Service {
    /// Compiles the component at `path`, links WASI and WASI HTTP, and checks
    /// that it is a `wasi:http` proxy.
    pub fn load(path: &Path, guest: GuestSettings) -> Result<Self> {
        let engine = new_engine()?;
        let component = Component::from_file(&engine, path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot load the component {}", path.display()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let instance = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot link the component {}", path.display()))?;
        let pre = ProxyPre::new(instance)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "{} does not export wasi:http/incoming-handler",
                    path.display()
                )
            })?;
        Ok(Service { pre, guest })
    }

    /// Answers one request with a new instance of the component. The
    /// response head is returned as soon as the guest sets it; the body
    /// streams from the guest, which runs in its own task until it is done.
    pub async fn handle<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut store = Store::new(self.pre.engine(), Host::new(&self.guest));
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)?;
        let response_out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        let guest = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, response_out)
                .await
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(anyhow!("the guest answered with an error: {code:?}")),
            // The guest dropped the outparam without setting it: its task
            // says why.
            Err(_) => match guest.await {
                Ok(Ok(())) => Err(anyhow!("the guest returned without a response")),
                Ok(Err(error)) => {
                    Err(anyhow::Error::from(error).context("the guest failed before responding"))
                }
                Err(error) => Err(anyhow!(error).context("the guest task failed")),
            },
        }
    }
}

/// The engine that compiles and runs the component.
fn new_engine() -> Result<Engine> {
    let config = Config::new();
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("cannot configure wasmtime")
}
