//! The state of one request's `Store`: WASI and WASI HTTP contexts sharing a
//! resource table, plus the policy hooks.

use std::future::Future;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
    WasiHttpView,
};

/// What every request's guest gets, set once from the configuration.
#[derive(Debug, Clone)]
pub struct GuestSettings {
    /// The environment the guest sees.
    pub env: Vec<(String, String)>,
    /// The largest write the host accepts from the guest's response body at
    /// once (its `check-write` budget); with one write buffered, this bounds
    /// what a slow client can make the host hold per response.
    pub body_chunk_size: usize,
}

/// What a component instance can reach while it answers one request.
pub struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Policy,
}

impl Host {
    /// A fresh host state for one request.
    pub fn new(settings: &GuestSettings) -> Self {
        Host {
            wasi: WasiCtx::builder()
                .envs(&settings.env)
                .inherit_stderr()
                .build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: Policy {
                body_chunk_size: settings.body_chunk_size,
            },
        }
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// How `wasi:http` behaves for the guest. The factorial component needs no
/// network: outgoing requests are denied, as Spin's
/// `allowed_outbound_hosts = []` does.
struct Policy {
    body_chunk_size: usize,
}

impl WasiHttpHooks for Policy {
    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        self.body_chunk_size
    }

    fn send_request(
        &mut self,
        _request: hyper::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        hyper::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        Box::new(async { Err(HttpError::HttpRequestDenied) })
    }
}
