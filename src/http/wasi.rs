//! The `wasi:http/incoming-handler` export: converts the host's request to a
//! [`Request`], answers it with [`respond`], and writes the [`Response`] back.
//!
//! Nothing here may panic: a trap would turn one bad request into a host
//! error. Every failure to talk to the host ends the response early instead.

use super::{HttpError, Method, Request, Response, respond};
use crate::Component;
use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::cli::environment;
use crate::bindings::wasi::http::types::{
    Fields, IncomingRequest, Method as WasiMethod, OutgoingBody, OutgoingResponse, OutputStream,
    ResponseOutparam,
};
use crate::config::Config;

/// The most bytes handed to the host in one `write`, whatever budget
/// `check-write` grants, so a large body always goes out in chunks.
const MAX_WRITE: usize = 64 * 1024;

impl Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let method = match request.method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            _ => Method::Other,
        };
        let path_and_query = request.path_with_query().unwrap_or_default();
        let headers = request.headers();
        let accept = joined_header(&headers, "accept");
        let if_none_match = joined_header(&headers, "if-none-match");
        let response = match Config::from_env(environment::get_environment()) {
            Ok(config) => {
                let request = Request {
                    method,
                    path_and_query: &path_and_query,
                    accept: accept.as_deref(),
                    if_none_match: if_none_match.as_deref(),
                };
                respond(&request, &config)
            }
            Err(error) => Response::error(&HttpError::Misconfigured(error)),
        };
        send(response, response_out);
    }
}

/// All values of the header `name`, joined with commas as RFC 9110 allows
/// for list-valued fields.
fn joined_header(headers: &Fields, name: &str) -> Option<String> {
    let values = headers.get(name);
    if values.is_empty() {
        return None;
    }
    let values: Vec<_> = values.iter().map(|v| String::from_utf8_lossy(v)).collect();
    Some(values.join(", "))
}

/// Hands the response to the host and streams its body.
///
/// Every body is opened, written whole and finished, `HEAD`'s and empty ones
/// included: jco's preview2-shim cannot send a response whose body was never
/// opened (it throws and its server exits), and both it and wasmtime refuse
/// to finish a body shorter than its `Content-Length`. The host, not the
/// component, leaves `HEAD`'s body off the wire (hyper and Node.js both do).
fn send(response: Response, response_out: ResponseOutparam) {
    let fields: Vec<(String, Vec<u8>)> = response
        .headers
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into_bytes()))
        .collect();
    let Ok(headers) = Fields::from_list(&fields) else {
        return;
    };
    let outgoing = OutgoingResponse::new(headers);
    if outgoing.set_status_code(response.status).is_err() {
        return;
    }
    let Ok(body) = outgoing.body() else {
        return;
    };
    ResponseOutparam::set(response_out, Ok(outgoing));
    // A write fails when the client has gone, or when the host has dropped
    // `HEAD`'s body: the body then ends short, which the host handles.
    if let Ok(stream) = body.write() {
        let _ = write_all(&stream, &response.body);
    }
    let _ = OutgoingBody::finish(body, None);
}

/// Writes `bytes` in chunks no larger than the stream's `check-write` budget
/// (and [`MAX_WRITE`]), waiting whenever the host has no room, then flushes.
fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), ()> {
    let ready = stream.subscribe();
    while !bytes.is_empty() {
        let budget = stream.check_write().map_err(|_| ())?;
        if budget == 0 {
            ready.block();
            continue;
        }
        let len = bytes
            .len()
            .min(MAX_WRITE)
            .min(budget.try_into().unwrap_or(usize::MAX));
        let (chunk, rest) = bytes.split_at(len);
        stream.write(chunk).map_err(|_| ())?;
        bytes = rest;
    }
    stream.blocking_flush().map_err(|_| ())
}
