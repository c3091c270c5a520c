//! Content negotiation (`Accept`) and conditional requests (`If-None-Match`).

/// The representations of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// `application/json`, the original service's and the default.
    Json,
    /// `text/plain; charset=utf-8`: the bare digits.
    Text,
}

impl Representation {
    /// The `Content-Type` of this representation.
    pub fn content_type(self) -> &'static str {
        match self {
            Representation::Json => "application/json",
            Representation::Text => TEXT_PLAIN,
        }
    }

    /// A short name for this representation, used in `ETag`s.
    pub fn tag(self) -> &'static str {
        match self {
            Representation::Json => "json",
            Representation::Text => "text",
        }
    }
}

/// The `Content-Type` of every plain-text answer.
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// How well one media range of an `Accept` header matches a type.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Match {
    /// The range's quality, 0 to 1.
    quality: f32,
    /// 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`: RFC 9110 says the
    /// most specific range that matches decides the quality.
    specificity: u8,
    /// Where the range stands in the header, to break ties in its order.
    position: usize,
}

/// The representation a client prefers, by the qualities and then the order
/// of its `Accept` header (all the values, joined with commas). JSON is the
/// default: with no header, with a tie on one wildcard, and when neither type
/// is acceptable (the original service ignored `Accept`).
pub fn preferred_representation(accept: Option<&str>) -> Representation {
    let Some(accept) = accept else {
        return Representation::Json;
    };
    let json = best_match(accept, "application", "json");
    let text = best_match(accept, "text", "plain");
    match (json, text) {
        (_, None) => Representation::Json,
        (None, Some(text)) if text.quality > 0.0 => Representation::Text,
        (None, Some(_)) => Representation::Json,
        (Some(json), Some(text)) => {
            let text_first = (text.quality, std::cmp::Reverse(text.position))
                > (json.quality, std::cmp::Reverse(json.position));
            if text_first && text.quality > 0.0 {
                Representation::Text
            } else {
                Representation::Json
            }
        }
    }
}

/// The most specific range of `accept` that matches `kind/subtype`.
fn best_match(accept: &str, kind: &str, subtype: &str) -> Option<Match> {
    accept
        .split(',')
        .enumerate()
        .filter_map(|(position, range)| {
            let mut parts = range.split(';');
            let (range_kind, range_subtype) = parts.next()?.trim().split_once('/')?;
            let specificity = match (range_kind.trim(), range_subtype.trim()) {
                ("*", "*") => 0,
                (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
                (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(subtype) => 2,
                _ => return None,
            };
            let quality = parts
                .filter_map(|parameter| parameter.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, value)| parse_quality(value.trim()))?;
            Some(Match {
                quality,
                specificity,
                position,
            })
        })
        .max_by_key(|m| m.specificity)
}

/// A `qvalue` of RFC 9110: `0`, `1` or a fraction of up to three digits.
/// A range whose quality is malformed is ignored.
fn parse_quality(value: &str) -> Option<f32> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let valid = matches!(whole, "0" | "1")
        && fraction.len() <= 3
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || fraction.bytes().all(|b| b == b'0'));
    if !valid {
        return None;
    }
    value.parse().ok()
}

/// Whether an `If-None-Match` header (all its values, joined with commas)
/// matches `etag`. RFC 9110 has this use the weak comparison, so a `W/`
/// prefix is ignored; `*` matches any current representation.
pub fn if_none_match(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Representation::{Json, Text};

    #[test]
    fn json_is_the_default() {
        for accept in [
            None,
            Some(""),
            Some("*/*"),
            Some("image/png"),
            Some("garbage"),
        ] {
            assert_eq!(preferred_representation(accept), Json, "{accept:?}");
        }
    }

    #[test]
    fn the_order_of_the_header_breaks_ties() {
        assert_eq!(
            preferred_representation(Some("text/plain, application/json")),
            Text
        );
        assert_eq!(
            preferred_representation(Some("application/json, text/plain")),
            Json
        );
        assert_eq!(
            preferred_representation(Some("text/*, application/*")),
            Text
        );
    }

    #[test]
    fn qualities_decide_before_order() {
        let accept = "application/json;q=0.5, text/plain";
        assert_eq!(preferred_representation(Some(accept)), Text);
        let accept = "text/plain;q=0.4, application/json;q=0.9";
        assert_eq!(preferred_representation(Some(accept)), Json);
        let accept = "text/plain; q=1.000, */*;q=0.1";
        assert_eq!(preferred_representation(Some(accept)), Text);
    }

    #[test]
    fn the_most_specific_range_gives_the_quality() {
        let accept = "text/*;q=0.1, text/plain;q=0.9, application/json;q=0.5";
        assert_eq!(preferred_representation(Some(accept)), Text);
        let accept = "*/*;q=0.9, text/plain;q=0.1";
        assert_eq!(preferred_representation(Some(accept)), Json);
    }

    #[test]
    fn text_alone_or_refused() {
        assert_eq!(preferred_representation(Some("TEXT/PLAIN")), Text);
        assert_eq!(preferred_representation(Some("text/plain;q=0")), Json);
        assert_eq!(
            preferred_representation(Some("application/json;q=0, text/plain")),
            Text
        );
    }

    #[test]
    fn malformed_qualities_are_ignored() {
        assert_eq!(preferred_representation(Some("text/plain;q=2")), Json);
        assert_eq!(preferred_representation(Some("text/plain;q=0.0001")), Json);
        assert_eq!(preferred_representation(Some("text/plain;q=abc")), Json);
        assert_eq!(parse_quality("0.5"), Some(0.5));
        assert_eq!(parse_quality("1.0"), Some(1.0));
        assert_eq!(parse_quality("1.5"), None);
    }

    #[test]
    fn if_none_match_uses_the_weak_comparison() {
        let etag = "\"factorial-5-json\"";
        assert!(if_none_match(etag, etag));
        assert!(if_none_match("W/\"factorial-5-json\"", etag));
        assert!(if_none_match("\"x\", \"factorial-5-json\"", etag));
        assert!(if_none_match("*", etag));
        assert!(!if_none_match("\"factorial-5-text\"", etag));
        assert!(!if_none_match("factorial-5-json", etag));
        assert!(!if_none_match("", etag));
    }
}
