//! `multipart/form-data` bodies, as Discord takes files: a `payload_json` part with the JSON
//! body, and one `files[n]` part per attachment.

/// One file of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The form field, `files[0]`.
    pub field: String,
    pub filename: String,
    pub data: Vec<u8>,
}

/// The parts of a multipart body: its `payload_json` text, if any, and its files. `None`
/// when the body is not well-formed for `boundary`.
pub fn parse(body: &[u8], boundary: &str) -> Option<(Option<String>, Vec<File>)> {
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut payload = None;
    let mut files = Vec::new();
    let mut rest = strip_prefix(text, delimiter.as_bytes())?;
    loop {
        if rest.starts_with(b"--") {
            return Some((payload, files));
        }
        rest = strip_prefix(rest, b"\r\n")?;
        let end = find(rest, format!("\r\n{delimiter}").as_bytes())?;
        let part = &rest[..end];
        rest = &rest[end + 2 + delimiter.len()..];
        let head_end = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..head_end]).to_string();
        let data = part[head_end + 4..].to_vec();
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let name = attribute(disposition, "name")?;
        match attribute(disposition, "filename") {
            Some(filename) => files.push(File {
                field: name,
                filename,
                data,
            }),
            None if name == "payload_json" => payload = Some(String::from_utf8(data).ok()?),
            None => {}
        }
    }
}

fn strip_prefix<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    text.strip_prefix(prefix)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `key="value"` in a Content-Disposition header.
fn attribute(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if kind.trim() != "multipart/form-data" {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == "boundary").then(|| v.trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_and_a_file_are_read_back() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"t.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--XyZ--\r\n";
        let (payload, files) = parse(body, "XyZ").expect("well-formed");
        assert_eq!(payload.as_deref(), Some("{\"content\":\"hi\"}"));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "t.txt");
        assert_eq!(files[0].data, b"line 1\r\nline 2");
        assert_eq!(boundary("multipart/form-data; boundary=XyZ"), Some("XyZ"));
        assert_eq!(boundary("application/json"), None);
        assert!(parse(b"garbage", "XyZ").is_none());
    }
}
