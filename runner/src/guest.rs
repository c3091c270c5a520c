//! What the host gives a guest: the state of one request's `Store` (WASI and
//! WASI HTTP contexts sharing a resource table, the memory limit, and the
//! `wasi:http` policy) and the settings it is made from.

use std::future::Future;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
    WasiHttpView,
};

/// The most resources (requests, fields, streams, pollables) one instance
/// may hold at once. The factorial component holds about a dozen; the cap
/// stops a misbehaving guest from growing the host's table without bound.
const MAX_RESOURCES: usize = 1_000;

/// Table elements one instance may grow to; Rust guests use a few hundred.
const MAX_TABLE_ELEMENTS: usize = 20_000;

/// What every request's guest gets, set once from the configuration.
#[derive(Debug, Clone)]
pub struct GuestSettings {
    /// The environment the guest sees.
    pub env: Vec<(String, String)>,
    /// The largest write the host accepts from the guest's response body at
    /// once (its `check-write` budget); with one write buffered, this bounds
    /// what a slow client can make the host hold per response.
    pub body_chunk_size: usize,
    /// The most linear memory the instance may have, in bytes.
    pub memory_limit: usize,
}

/// The instance tried to grow its memory past the limit. It is trapped with
/// this error, so the request can be answered for what it is.
#[derive(Debug, thiserror::Error)]
#[error("the instance needed more than its memory limit of {limit} bytes")]
pub struct MemoryLimitExceeded {
    /// The limit, in bytes.
    pub limit: usize,
}

/// The data of one request's `Store`: what its component instance, the
/// guest, can reach while it answers.
pub struct GuestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Policy,
    memory_limit: usize,
}

impl GuestState {
    /// A fresh state for one request.
    pub fn new(settings: &GuestSettings) -> Self {
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        GuestState {
            wasi: WasiCtx::builder()
                .envs(&settings.env)
                .inherit_stderr()
                .build(),
            http: WasiHttpCtx::new(),
            table,
            hooks: Policy {
                body_chunk_size: settings.body_chunk_size,
            },
            memory_limit: settings.memory_limit,
        }
    }
}

impl ResourceLimiter for GuestState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            return Err(MemoryLimitExceeded {
                limit: self.memory_limit,
            }
            .into());
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for GuestState {
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
