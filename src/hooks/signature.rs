//! The `X-Shopify-Hmac-Sha256` signature: base64 of HMAC-SHA256 over the raw request body, keyed
//! with the channel's webhook secret. Verified in constant time (`Mac::verify_slice`), on the
//! bytes exactly as received, before the body is parsed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A channel's webhook secret. Its `Debug` never shows it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Secret(secret.into())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The raw HMAC-SHA256 tag of `body` under `key`.
fn tag(key: &[u8], body: &[u8]) -> Option<HmacSha256> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it, but is not infallible
    // by type.
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(body);
    Some(mac)
}

/// The header value Shopify would send for `body`: base64 of its HMAC-SHA256 under `secret`.
/// Used by tests and by anyone replaying a payload by hand.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    match tag(&secret.0, body) {
        Some(mac) => STANDARD.encode(mac.finalize().into_bytes()),
        None => String::new(),
    }
}

/// True when `header` (the `X-Shopify-Hmac-Sha256` value) is the base64 HMAC-SHA256 of `body`
/// under `secret`. The tags are compared in constant time; a header that is not base64, or not
/// 32 bytes long, is simply wrong. An empty secret verifies nothing.
pub fn verify(secret: &Secret, body: &[u8], header: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Ok(expected) = STANDARD.decode(header.trim().as_bytes()) else {
        return false;
    };
    tag(&secret.0, body).is_some_and(|mac| mac.verify_slice(&expected).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hmac_hex(key: &[u8], data: &[u8]) -> String {
        let mac = tag(key, data).unwrap();
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// RFC 4231, section 4: the HMAC-SHA-256 results of test cases 1–4, 6 and 7 (case 5 is a
    /// truncated output, which webhooks do not use).
    #[test]
    fn hmac_sha256_matches_the_rfc_4231_test_vectors() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 6] = [
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (i, (key, data, expected)) in cases.iter().enumerate() {
            assert_eq!(&hmac_hex(key, data), expected, "RFC 4231 case {i}");
            let header = STANDARD.encode(hex(expected));
            let secret = Secret::new(key.clone());
            assert_eq!(sign(&secret, data), header);
            assert!(verify(&secret, data, &header), "case {i} verifies");
        }
    }

    #[test]
    fn a_signature_of_other_bytes_another_key_or_garbage_is_refused() {
        let secret = Secret::new("shpss_test");
        let body = br#"{"id":1}"#;
        let header = sign(&secret, body);
        assert!(verify(&secret, body, &header));
        assert!(verify(&secret, body, &format!(" {header}\t")));
        assert!(!verify(&secret, br#"{"id":2}"#, &header));
        assert!(!verify(&Secret::new("shpss_other"), body, &header));
        assert!(!verify(&secret, body, ""));
        assert!(!verify(&secret, body, "not base64!"));
        // Right prefix, wrong length.
        let short = STANDARD.encode(&STANDARD.decode(&header).unwrap()[..16]);
        assert!(!verify(&secret, body, &short));
        // Hex of the right tag is not what Shopify sends.
        let raw = STANDARD.decode(&header).unwrap();
        let as_hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!verify(&secret, body, &as_hex));
        // An empty secret verifies nothing, not even its own signature.
        let empty = Secret::new("");
        assert!(!verify(&empty, body, &sign(&empty, body)));
    }

    #[test]
    fn the_secret_is_never_shown_by_debug() {
        let secret = Secret::new("shpss_do_not_log");
        assert!(!format!("{secret:?}").contains("do_not_log"));
    }
}
