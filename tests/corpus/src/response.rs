//! A response as a test client read it, whatever the client: the
//! component's in-process harness or the runner's raw TCP one.

/// A response, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// The status code.
    pub status: u16,
    /// Header names, in lower case, and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body received (none after `HEAD`).
    pub body: Vec<u8>,
}

impl ReceivedResponse {
    /// The value of the first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as text; panics if it is not UTF-8, which no answer of the
    /// contract is.
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    /// Asserts the status, `Content-Type`, exact body and exact
    /// `Content-Length`.
    pub fn assert(&self, status: u16, content_type: &str, body: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("content-type"), Some(content_type), "{self:?}");
        assert_eq!(self.body_text(), body, "the body of {self:?}");
        assert_eq!(
            self.header("content-length"),
            Some(body.len().to_string().as_str()),
            "the content-length of {self:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> ReceivedResponse {
        ReceivedResponse {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/plain; charset=utf-8".into()),
                ("content-length".into(), "2".into()),
                ("vary".into(), "Accept".into()),
                ("vary".into(), "Origin".into()),
            ],
            body: b"ok".to_vec(),
        }
    }

    #[test]
    fn the_first_header_of_a_name_is_found() {
        assert_eq!(ok().header("vary"), Some("Accept"));
        assert_eq!(ok().header("etag"), None);
    }

    #[test]
    fn assert_passes_the_exact_answer() {
        ok().assert(200, "text/plain; charset=utf-8", "ok");
    }

    #[test]
    #[should_panic(expected = "content-length")]
    fn assert_fails_a_wrong_length() {
        let mut response = ok();
        response.headers[1].1 = "3".into();
        response.assert(200, "text/plain; charset=utf-8", "ok");
    }
}
