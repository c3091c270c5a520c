//! Reads back the Prometheus text format that [`crate::metrics::Metrics`]
//! renders, so that the registry stays the one source of every metric: a
//! metric registered there reaches CloudWatch with no code here.
//! `prometheus-client` has no public encoder to plug into, hence the parse.

/// The type of a metric family, from its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up, except when the process restarts.
    Counter,
    /// Any value; read as it is.
    Gauge,
    /// Cumulative `_bucket` counts by upper bound `le`, with `_sum` and
    /// `_count`.
    Histogram,
    /// Anything else (`summary`, `unknown`, `info`...), which is skipped.
    Other,
}

/// One metric family: its name as the `# TYPE` line gives it, and its
/// samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family's name, with the registry's prefix.
    pub name: String,
    /// Its type.
    pub kind: Kind,
    /// Its samples in the order written.
    pub samples: Vec<Sample>,
}

/// One sample line: `name{label="value",...} number`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' name, which for a histogram ends in `_bucket`, `_sum` or
    /// `_count`.
    pub name: String,
    /// Its labels in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: f64,
}

impl Sample {
    /// The value of the label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Why a line of the exposition could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line} of the metrics exposition: {reason}: {text:?}")]
pub struct ParseError {
    line: usize,
    reason: &'static str,
    text: String,
}

/// The families of a Prometheus text exposition (format 0.0.4). Samples
/// before any `# TYPE` line, or of another family than the last `# TYPE`
/// named, belong to a family of kind [`Kind::Other`].
pub fn parse(text: &str) -> Result<Vec<Family>, ParseError> {
    let mut families: Vec<Family> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let error = |reason| ParseError {
            line: index + 1,
            reason,
            text: line.to_string(),
        };
        if let Some(declaration) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declaration
                .split_once(' ')
                .ok_or_else(|| error("a TYPE line without a type"))?;
            families.push(Family {
                name: name.to_string(),
                kind: match kind {
                    "counter" => Kind::Counter,
                    "gauge" => Kind::Gauge,
                    "histogram" => Kind::Histogram,
                    _ => Kind::Other,
                },
                samples: Vec::new(),
            });
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = parse_sample(line).ok_or_else(|| error("not a sample"))?;
        match families.last_mut() {
            Some(family) if sample.name.starts_with(&family.name) => family.samples.push(sample),
            _ => families.push(Family {
                name: sample.name.clone(),
                kind: Kind::Other,
                samples: vec![sample],
            }),
        }
    }
    Ok(families)
}

/// `name value` or `name{labels} value`, with an optional timestamp after
/// the value.
fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let (name, rest) = line.split_at(name_end);
    let (labels, rest) = match rest.strip_prefix('{') {
        Some(inside) => parse_labels(inside)?,
        None => (Vec::new(), rest),
    };
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => value.parse().ok()?,
    };
    Some(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// The labels after a `{`, up to and including the closing `}`, and what
/// follows it.
fn parse_labels(mut text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start_matches(',');
        if let Some(rest) = text.strip_prefix('}') {
            return Some((labels, rest));
        }
        let (key, rest) = text.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (index, '"') => break index,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    escaped => value.push(escaped),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((key.to_string(), value));
        text = &rest[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_families_samples_and_labels() {
        let text = "# HELP f_requests Requests.\n\
                    # TYPE f_requests_total counter\n\
                    f_requests_total{status=\"200\"} 3\n\
                    f_requests_total{status=\"404\",path=\"a \\\"b\\\"\\\\c\\n\"} 1\n\
                    # TYPE f_in_flight gauge\n\
                    f_in_flight 2\n\
                    # TYPE f_seconds histogram\n\
                    f_seconds_sum 0.5\n\
                    f_seconds_count 2\n\
                    f_seconds_bucket{le=\"0.1\"} 1\n\
                    f_seconds_bucket{le=\"+Inf\"} 2\n";
        let families = parse(text).unwrap();
        let kinds: Vec<_> = families.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("f_requests_total", Kind::Counter),
                ("f_in_flight", Kind::Gauge),
                ("f_seconds", Kind::Histogram)
            ]
        );
        let requests = &families[0].samples;
        assert_eq!(requests[0].label("status"), Some("200"));
        assert_eq!(requests[0].value, 3.0);
        assert_eq!(requests[1].label("path"), Some("a \"b\"\\c\n"));
        assert_eq!(requests[1].label("status"), Some("404"));
        assert_eq!(families[1].samples[0].labels, []);
        let buckets = &families[2].samples;
        assert_eq!(buckets.len(), 4);
        assert_eq!(buckets[3].label("le"), Some("+Inf"));
    }

    #[test]
    fn untyped_samples_are_kept_apart() {
        let families = parse("loose 1\n# TYPE g gauge\ng 2\nother 3 1700000000\n").unwrap();
        let kinds: Vec<_> = families.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("loose", Kind::Other),
                ("g", Kind::Gauge),
                ("other", Kind::Other)
            ]
        );
        assert_eq!(families[2].samples[0].value, 3.0);
    }

    #[test]
    fn a_malformed_line_is_an_error_with_its_number() {
        for bad in [
            "# TYPE lonely\n",
            "x{a=\"1\" 2\n",
            "x\n",
            "x{a=\"1\"} many\n",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.line, 1, "{bad:?}");
        }
    }
}
