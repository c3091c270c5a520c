//! The query string and the grammar of `number`.
//!
//! The query is `application/x-www-form-urlencoded`, as Flask read it: `+` is
//! a space, `%XX` a byte, and the first occurrence of a key wins. Unlike a
//! lenient form decoder, a value that cannot be decoded (`%zz`, bytes that
//! are not UTF-8) is an error rather than kept as it stands, so that no
//! garbled number is ever served.

use super::HttpError;

/// A value is present but cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable;

/// The decoded value of the first `key` in `query`: `None` when the key is
/// absent, an error when its value cannot be decoded. A key with no `=` has
/// the empty value.
pub fn form_value(query: &str, key: &str) -> Option<Result<String, Undecodable>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(name, _)| decode(name).is_ok_and(|name| name == key))
        .map(|(_, value)| decode(value))
}

/// Decodes one form-urlencoded name or value.
fn decode(encoded: &str) -> Result<String, Undecodable> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let [high, low, tail @ ..] = rest else {
                    return Err(Undecodable);
                };
                let (Some(high), Some(low)) = (hex_digit(*high), hex_digit(*low)) else {
                    return Err(Undecodable);
                };
                bytes.push(high << 4 | low);
                rest = tail;
            }
            _ => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).map_err(|_| Undecodable)
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).map(|digit| digit as u8)
}

/// White space allowed around a number: the ASCII white space of C's
/// `isspace`, which Python's `int()` also skips.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Parses a decoded `number` and checks it against `max`.
///
/// Accepted: optional white space, an optional `+` or `-`, one or more ASCII
/// digits, optional white space. Leading zeros are fine and `-0` is 0. A
/// number above `max` is [`HttpError::TooLarge`] however many digits it has:
/// it is judged without ever being converted whole.
pub fn parse_number(value: &str, max: u64) -> Result<u64, HttpError> {
    let trimmed = value.trim_matches(is_space);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HttpError::InvalidValue);
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err(HttpError::InvalidValue);
    }
    // Only digits remain, so the one way `parse` fails is overflow.
    match significant.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(HttpError::TooLarge { max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_occurrence_of_a_key_wins() {
        assert_eq!(
            form_value("a=1&number=5&number=6", "number"),
            Some(Ok("5".into()))
        );
    }

    #[test]
    fn keys_and_values_are_form_decoded() {
        assert_eq!(
            form_value("num%62er=+1%32", "number"),
            Some(Ok(" 12".into()))
        );
        assert_eq!(form_value("number", "number"), Some(Ok(String::new())));
        assert_eq!(form_value("&&number=&", "number"), Some(Ok(String::new())));
        assert_eq!(form_value("capsicum=5", "number"), None);
        assert_eq!(form_value("", "number"), None);
    }

    #[test]
    fn undecodable_values_are_errors() {
        for query in [
            "number=%zz",
            "number=%4",
            "number=%",
            "number=%ff",
            "number=%C3%28",
        ] {
            assert_eq!(
                form_value(query, "number"),
                Some(Err(Undecodable)),
                "{query}"
            );
        }
        assert_eq!(form_value("number=%C3%A9", "number"), Some(Ok("é".into())));
    }

    #[test]
    fn an_undecodable_key_is_not_the_key() {
        assert_eq!(form_value("%zz=1&number=2", "number"), Some(Ok("2".into())));
    }

    #[test]
    fn numbers_in_the_grammar_are_accepted() {
        let cases = [
            ("5", 5),
            ("+5", 5),
            ("0005", 5),
            ("-0", 0),
            ("-000", 0),
            ("+0", 0),
            (" \t7\n\r", 7),
            ("\x0b\x0c8", 8),
            ("100", 100),
        ];
        for (value, n) in cases {
            assert_eq!(parse_number(value, 100), Ok(n), "{value:?}");
        }
    }

    #[test]
    fn anything_else_is_invalid() {
        let cases = [
            "", " ", "-1", "-", "+", "+-1", "--0", "0.2", "1e3", "0x10", "1_000", "abc", "5a",
            "- 5", "١", "５", "\u{a0}5", "5\0",
        ];
        for value in cases {
            assert_eq!(
                parse_number(value, 100),
                Err(HttpError::InvalidValue),
                "{value:?}"
            );
        }
    }

    #[test]
    fn large_numbers_are_too_large_at_any_length() {
        let too_large = Err(HttpError::TooLarge { max: 100 });
        assert_eq!(parse_number("101", 100), too_large);
        assert_eq!(parse_number("18446744073709551616", 100), too_large);
        assert_eq!(parse_number(&"9".repeat(100_000), 100), too_large);
        assert_eq!(parse_number("18446744073709551615", u64::MAX), Ok(u64::MAX));
        assert_eq!(
            parse_number("18446744073709551616", u64::MAX),
            Err(HttpError::TooLarge { max: u64::MAX })
        );
    }

    #[test]
    fn a_large_negative_number_is_invalid_not_too_large() {
        assert_eq!(
            parse_number(&format!("-{}", "9".repeat(40)), 100),
            Err(HttpError::InvalidValue)
        );
    }
}
