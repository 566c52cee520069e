//! A carrier reached over HTTP with JSON: a carrier's API, or a local stand-in server in tests.
//!
//! The wire, under the carrier's base URL (`http://host:port/optional/prefix`):
//!
//! - `POST {base}/rates` with a [`ShipmentRequest`]:
//!   `{"from_zip":"60431","to_zip":"11201","packages":[{"billable_weight_g":1200}]}` → `200`
//!   `{"quotes":[{"service":"2DAY","service_name":"FedEx 2Day","level":"priority",
//!   "transit_days":2,"cutoff_local":"16:30","price_cents":2508}]}`. `level` is one of
//!   `standard`, `expedited`, `priority`, `overnight`; `cutoff_local` is `HH:MM` (or `HH:MM:SS`),
//!   warehouse local time; prices are US cents for the whole shipment.
//! - `POST {base}/labels` with `{"service":"2DAY","sscc":"006141410000000012","sequence":12,
//!   "reference":"#1001","to_zip":"11201","weight_g":1234}` → `200 {"tracking_number":"…"}`.
//!
//! The client is a minimal HTTP/1.1 one written here on `tokio::net::TcpStream`: one request per
//! connection (`Connection: close`), a `Content-Length` or chunked or close-delimited answer of
//! at most 1 MiB, the whole exchange within the carrier's timeout. Plain `http://` only: no TLS.
//! It adds no dependency (hyper's client would need `hyper-util`'s client features and a
//! `Cargo.toml` change; reqwest would add a TLS stack). A real carrier API over HTTPS would go
//! through a local proxy or a later client.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::domain::rate_shop::{ServiceLevel, parse_cutoff};

use super::{Carrier, CarrierError, LabelRequest, Quote, ShipmentRequest, TrackingNumber};

/// The longest answer read from a carrier.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;
/// The default time for one whole exchange (connect, send, answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A carrier's HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCarrier {
    code: String,
    host: String,
    port: u16,
    /// Path prefix without a trailing slash (`""` or `/v1`).
    prefix: String,
    timeout: Duration,
}

#[derive(Debug, Serialize)]
struct LabelWire<'a> {
    service: &'a str,
    sscc: &'a str,
    sequence: u64,
    reference: &'a str,
    to_zip: &'a str,
    weight_g: u32,
}

#[derive(Debug, Deserialize)]
struct QuotesWire {
    quotes: Vec<QuoteWire>,
}

#[derive(Debug, Deserialize)]
struct QuoteWire {
    service: String,
    service_name: String,
    level: ServiceLevel,
    transit_days: u32,
    cutoff_local: String,
    price_cents: u32,
}

#[derive(Debug, Deserialize)]
struct LabelAnswerWire {
    tracking_number: String,
}

const QUOTES_EXPECTED: &str = "JSON {\"quotes\": [{\"service\", \"service_name\", \"level\" \
     (standard|expedited|priority|overnight), \"transit_days\", \"cutoff_local\" (HH:MM), \
     \"price_cents\"}]}";
const LABEL_EXPECTED: &str = "JSON {\"tracking_number\": 8 to 40 letters or digits}";

impl HttpCarrier {
    /// A carrier at `base_url`: `http://host[:port][/prefix]` (port 80 by default).
    pub fn new(code: &str, base_url: &str) -> Result<Self, CarrierError> {
        let bad = |expected: &str| CarrierError::Setting {
            carrier: code.to_owned(),
            setting: "base URL",
            value: base_url.to_owned(),
            expected: expected.to_owned(),
        };
        let rest = base_url
            .trim()
            .strip_prefix("http://")
            .ok_or_else(|| bad("http://host:port (plain HTTP; https is not supported here)"))?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 host in brackets, e.g. http://[::1]:8080"))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("a host, e.g. http://127.0.0.1:8080"));
        }
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("a port from 1 to 65535"))?,
        };
        if path.contains(['?', '#', ' ']) {
            return Err(bad("a path without query, fragment or spaces"));
        }
        Ok(HttpCarrier {
            code: code.to_owned(),
            host: host.to_owned(),
            port,
            prefix: path.trim_end_matches('/').to_owned(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The time allowed for one whole exchange (connect, send, answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn base_url(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}{}", self.host, self.port, self.prefix)
        } else {
            format!("http://{}:{}{}", self.host, self.port, self.prefix)
        }
    }

    fn malformed(&self, request: &str, expected: &str, detail: String) -> CarrierError {
        CarrierError::Malformed {
            carrier: self.code.clone(),
            request: request.to_owned(),
            expected: expected.to_owned(),
            detail,
        }
    }

    /// POSTs a JSON body and returns the body of a 200 answer.
    async fn post_json(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, CarrierError> {
        let target = format!("{}{path}", self.prefix);
        let request = format!("POST {target}");
        let exchange = self.exchange(&target, &request, body);
        let answer = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| CarrierError::Timeout {
                carrier: self.code.clone(),
                request: request.clone(),
                millis: self.timeout.as_millis(),
            })??;
        if answer.status != 200 {
            let text = String::from_utf8_lossy(&answer.body);
            let mut said: String = text.chars().take(200).collect();
            if said.trim().is_empty() {
                said = "(nothing)".into();
            }
            return Err(CarrierError::Status {
                carrier: self.code.clone(),
                request,
                status: answer.status,
                reason: answer.reason,
                body: said.trim().to_owned(),
            });
        }
        Ok(answer.body)
    }

    async fn exchange(
        &self,
        target: &str,
        request: &str,
        body: Vec<u8>,
    ) -> Result<Answer, CarrierError> {
        let address = format!("{}:{}", self.host, self.port);
        let mut stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| CarrierError::Connect {
                carrier: self.code.clone(),
                address: address.clone(),
                request: request.to_owned(),
                reason: e.to_string(),
            })?;
        let host_header = if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            address
        };
        let mut message = format!(
            "POST {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: aisle/{}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            env!("CARGO_PKG_VERSION"),
            body.len()
        )
        .into_bytes();
        message.extend_from_slice(&body);
        let dropped = |received: usize| CarrierError::Dropped {
            carrier: self.code.clone(),
            request: request.to_owned(),
            received,
            expected: "a complete HTTP/1.1 answer (status line, headers and body)".into(),
        };
        stream.write_all(&message).await.map_err(|_| dropped(0))?;
        let mut buffer = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        loop {
            let read = match stream.read(&mut chunk).await {
                Ok(n) => n,
                // A reset is the peer dropping the connection.
                Err(_) => return Err(dropped(buffer.len())),
            };
            let eof = read == 0;
            buffer.extend_from_slice(&chunk[..read]);
            if buffer.len() > MAX_ANSWER_BYTES {
                return Err(self.malformed(
                    request,
                    "an answer of at most 1 MiB",
                    format!("{} bytes so far", buffer.len()),
                ));
            }
            match parse_answer(&buffer, eof) {
                Parsed::Complete(answer) => return Ok(answer),
                Parsed::Invalid(detail) => {
                    return Err(self.malformed(request, "an HTTP/1.1 answer", detail));
                }
                Parsed::Incomplete if eof => return Err(dropped(buffer.len())),
                Parsed::Incomplete => {}
            }
        }
    }
}

impl Carrier for HttpCarrier {
    fn code(&self) -> &str {
        &self.code
    }

    async fn quote(&self, shipment: &ShipmentRequest) -> Result<Vec<Quote>, CarrierError> {
        let body = serde_json::to_vec(shipment)
            .map_err(|e| self.malformed("a rate request", "a shipment to send", e.to_string()))?;
        let answer = self.post_json("/rates", body).await?;
        let request = format!("POST {}/rates", self.prefix);
        let wire: QuotesWire = serde_json::from_slice(&answer)
            .map_err(|e| self.malformed(&request, QUOTES_EXPECTED, e.to_string()))?;
        wire.quotes
            .into_iter()
            .map(|q| {
                let cutoff_local = parse_cutoff(&q.cutoff_local).ok_or_else(|| {
                    self.malformed(
                        &request,
                        QUOTES_EXPECTED,
                        format!(
                            "cutoff_local {:?} of {} is not HH:MM",
                            q.cutoff_local, q.service
                        ),
                    )
                })?;
                Ok(Quote {
                    carrier: self.code.clone(),
                    service: q.service,
                    service_name: q.service_name,
                    level: q.level,
                    transit_days: q.transit_days,
                    cutoff_local,
                    price_cents: q.price_cents,
                    zone: None,
                })
            })
            .collect()
    }

    async fn label(&self, request: &LabelRequest) -> Result<TrackingNumber, CarrierError> {
        let wire = LabelWire {
            service: &request.service,
            sscc: request.sscc.as_str(),
            sequence: request.sequence,
            reference: &request.reference,
            to_zip: &request.to_zip,
            weight_g: request.weight_g,
        };
        let body = serde_json::to_vec(&wire).map_err(|e| {
            self.malformed("a label request", "a label request to send", e.to_string())
        })?;
        let answer = self.post_json("/labels", body).await?;
        let what = format!("POST {}/labels", self.prefix);
        let wire: LabelAnswerWire = serde_json::from_slice(&answer)
            .map_err(|e| self.malformed(&what, LABEL_EXPECTED, e.to_string()))?;
        TrackingNumber::parse(&wire.tracking_number).ok_or_else(|| {
            self.malformed(
                &what,
                LABEL_EXPECTED,
                format!("tracking number {:?}", wire.tracking_number),
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 answers.

#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    reason: String,
    body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    Complete(Answer),
    Incomplete,
    Invalid(String),
}

/// Parses what has arrived so far; `eof`: the peer has closed its side.
fn parse_answer(buffer: &[u8], eof: bool) -> Parsed {
    let Some(head_end) = find(buffer, b"\r\n\r\n") else {
        return Parsed::Incomplete;
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let rest = &buffer[head_end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let reason = parts.next().unwrap_or_default().to_owned();
    let status = match status {
        Some(s) if version.starts_with("HTTP/1.") && (100..600).contains(&s) => s,
        _ => {
            let shown: String = status_line.chars().take(80).collect();
            return Parsed::Invalid(format!("status line {shown:?}"));
        }
    };
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Invalid(format!("header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            match value.parse::<usize>() {
                Ok(n) => content_length = Some(n),
                Err(_) => return Parsed::Invalid(format!("Content-Length {value:?}")),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    if (100..200).contains(&status) {
        // An interim answer (we never ask for one): skip it and read on.
        return match parse_answer(rest, eof) {
            Parsed::Invalid(_) if rest.is_empty() => Parsed::Incomplete,
            other => other,
        };
    }
    let body = if chunked {
        match dechunk(rest) {
            Ok(Some(body)) => body,
            Ok(None) => return Parsed::Incomplete,
            Err(detail) => return Parsed::Invalid(detail),
        }
    } else if let Some(length) = content_length {
        if rest.len() < length {
            return Parsed::Incomplete;
        }
        rest[..length].to_vec()
    } else if status == 204 || status == 304 {
        Vec::new()
    } else if eof {
        rest.to_vec()
    } else {
        return Parsed::Incomplete;
    };
    Parsed::Complete(Answer {
        status,
        reason,
        body,
    })
}

/// A chunked body: `Ok(None)` until the last (empty) chunk has arrived.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_hex, 16).map_err(|_| format!("chunk size {size_hex:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            // Trailers, if any, end with an empty line; the body is complete either way once
            // the last chunk is seen and its line has ended.
            return Ok(Some(body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Err("a chunk not followed by CRLF".into());
        }
        data = &data[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(status: u16, body: &str) -> Parsed {
        Parsed::Complete(Answer {
            status,
            reason: if status == 200 {
                "OK".into()
            } else {
                "Internal Server Error".into()
            },
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn base_urls() {
        let c = HttpCarrier::new("FEDEX", "http://127.0.0.1:8080/v1/").expect("a URL");
        assert_eq!(c.base_url(), "http://127.0.0.1:8080/v1");
        assert_eq!(
            HttpCarrier::new("X", "http://carrier.test").map(|c| c.base_url()),
            Ok("http://carrier.test:80".to_owned())
        );
        assert_eq!(
            HttpCarrier::new("X", "http://[::1]:9000").map(|c| c.base_url()),
            Ok("http://[::1]:9000".to_owned())
        );
        let err = HttpCarrier::new("UPS", "https://onlinetools.ups.com").expect_err("https");
        assert!(
            err.to_string().starts_with(
                "carrier UPS: base URL \"https://onlinetools.ups.com\": expected http://"
            ),
            "{err}"
        );
        assert!(HttpCarrier::new("X", "http://host:0").is_err());
        assert!(HttpCarrier::new("X", "http://:80").is_err());
        assert!(HttpCarrier::new("X", "http://h:80/a?b").is_err());
    }

    #[test]
    fn answers_with_a_length() {
        let text = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_answer(text.as_bytes(), false), complete(200, "{}"));
        assert_eq!(
            parse_answer(&text.as_bytes()[..text.len() - 1], false),
            Parsed::Incomplete
        );
        assert_eq!(
            parse_answer(b"HTTP/1.1 200 OK\r\n", false),
            Parsed::Incomplete
        );
    }

    #[test]
    fn chunked_and_close_delimited_answers() {
        let text = "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n\
                    4\r\ndown\r\n3\r\n!!!\r\n0\r\n\r\n";
        assert_eq!(
            parse_answer(text.as_bytes(), false),
            complete(500, "down!!!")
        );
        let cut = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndo";
        assert_eq!(parse_answer(cut.as_bytes(), true), Parsed::Incomplete);
        let close = "HTTP/1.1 200 OK\r\n\r\n{\"a\":1}";
        assert_eq!(parse_answer(close.as_bytes(), false), Parsed::Incomplete);
        assert_eq!(
            parse_answer(close.as_bytes(), true),
            complete(200, "{\"a\":1}")
        );
        let interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(parse_answer(interim.as_bytes(), false), complete(200, ""));
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(matches!(
            parse_answer(b"SMTP ready\r\n\r\n", false),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_answer(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_answer(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                false
            ),
            Parsed::Invalid(_)
        ));
    }
}
