//! The MTOM/multipart decoder and the SOAP reader behind it. An input is a whole HTTP
//! body whose Content-Type is its first line, as in the seeds.
fn main() {
    let limits = samsvar_xds::XmlLimits::default();
    afl::fuzz!(|data: &[u8]| {
        let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
        let content_type = String::from_utf8_lossy(&data[..split]).trim().to_string();
        let body = bytes::Bytes::copy_from_slice(data.get(split + 1..).unwrap_or_default());
        match samsvar_xds::mtom::decode(Some(&content_type), body, 4 * 1024 * 1024) {
            Ok(decoded) => {
                let _ = samsvar_xds::client::read_soap(&decoded, &limits);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    });
}
