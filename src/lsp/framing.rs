//! LSP's base protocol on stdin/stdout, read defensively: a message that cannot be framed
//! is dropped, invalid JSON or UTF-8 gets JSON-RPC's error, and the server keeps serving.
//!
//! lsp-server's own stdio reader ends the connection on the first bad header or body (and
//! allocates whatever `Content-Length` says), so the bytes are read here and only whole,
//! valid messages are handed to the [`Connection`] the server loop uses.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use lsp_server::{Connection, Message};

/// The largest message body accepted (bytes): a 16 MiB file, JSON-escaped, with room.
pub const MAX_MESSAGE: usize = 64 << 20;

/// Header lines longer than this are not LSP headers (bytes).
const MAX_HEADER_LINE: usize = 8 << 10;

/// JSON-RPC 2.0 error codes for input that is not a request at all.
const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

/// The server's end of a connection over stdin/stdout, and the threads that move the bytes.
pub struct StdioThreads {
    reader: std::thread::JoinHandle<()>,
    writer: std::thread::JoinHandle<std::io::Result<()>>,
}

impl StdioThreads {
    /// Wait for both threads (the reader ends at EOF of stdin, the writer when the server
    /// drops its connection).
    pub fn join(self) -> std::io::Result<()> {
        let written = self.writer.join().unwrap_or(Ok(()));
        // The reader may be blocked on stdin after `exit`: it is not waited for.
        drop(self.reader);
        written
    }
}

/// A connection whose incoming messages come from stdin through [`read_messages`].
pub fn stdio() -> (Connection, StdioThreads) {
    let (server, client) = Connection::memory();
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let to_client = client.sender;
    let reply_out = Arc::clone(&out);
    let reader = crate::parallel::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        read_messages(&mut input, |m| to_client.send(m).is_ok(), |raw| write_raw(&reply_out, &raw).is_ok());
    });
    let from_server = client.receiver;
    let writer = crate::parallel::spawn(move || {
        // What the server sent together (an edit's diagnostics for several files) goes out
        // in one write.
        while let Ok(message) = from_server.recv() {
            let mut framed = Vec::new();
            message.write(&mut framed)?;
            for more in from_server.try_iter() {
                more.write(&mut framed)?;
            }
            write_raw_framed(&out, &framed)?;
        }
        Ok(())
    });
    (server, StdioThreads { reader, writer })
}

/// `body` as lsp-server framed it already (headers included).
fn write_raw_framed(out: &Mutex<std::io::Stdout>, framed: &[u8]) -> std::io::Result<()> {
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    out.write_all(framed)?;
    out.flush()
}

/// A JSON body, framed here.
fn write_raw(out: &Mutex<std::io::Stdout>, body: &[u8]) -> std::io::Result<()> {
    let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    framed.extend_from_slice(body);
    write_raw_framed(out, &framed)
}

/// Read framed messages from `input` until EOF: each valid one goes to `deliver`; for
/// invalid UTF-8 or JSON, a JSON-RPC error body goes to `reply` (`id` null where it could
/// not be read); a header that cannot frame a body (missing, non-numeric or huge
/// `Content-Length`, or more than one) is dropped and reading resumes at the next `Content-Length:`.
/// Stops early when `deliver` or `reply` returns false (the other side is gone).
pub fn read_messages(
    input: &mut dyn BufRead,
    mut deliver: impl FnMut(Message) -> bool,
    mut reply: impl FnMut(Vec<u8>) -> bool,
) {
    let mut pending_header: Option<Vec<u8>> = None;
    loop {
        let length = match read_header(input, pending_header.take()) {
            Header::Eof => return,
            Header::Length(n) => n,
            Header::Unframeable => {
                eprintln!("sesslint: dropped a message whose header cannot frame a body; reading on at the next Content-Length");
                match resync(input) {
                    Some(line) => {
                        pending_header = Some(line);
                        continue;
                    }
                    None => return,
                }
            }
        };
        let mut body = vec![0; length];
        if input.read_exact(&mut body).is_err() {
            return;
        }
        let ok = match parse_body(&body) {
            Ok(message) => deliver(message),
            Err(error) => reply(error),
        };
        if !ok {
            return;
        }
    }
}

enum Header {
    Length(usize),
    Unframeable,
    Eof,
}

/// Read one header block; `first` is a header line already read by [`resync`].
fn read_header(input: &mut dyn BufRead, first: Option<Vec<u8>>) -> Header {
    let mut length: Option<Option<usize>> = None;
    let mut lines = 0;
    let mut next = first;
    loop {
        let line = match next.take() {
            Some(l) => l,
            None => match read_line(input) {
                Some(l) => l,
                None => return Header::Eof,
            },
        };
        lines += 1;
        let text = trim_crlf(&line);
        if text.is_empty() {
            if lines == 1 {
                continue; // stray blank line between messages
            }
            return match length {
                Some(Some(n)) => Header::Length(n),
                _ => Header::Unframeable,
            };
        }
        if line.len() > MAX_HEADER_LINE || lines > 32 {
            return Header::Unframeable;
        }
        let Ok(text) = std::str::from_utf8(text) else { return Header::Unframeable };
        let Some((name, value)) = text.split_once(':') else { return Header::Unframeable };
        if name.trim().eq_ignore_ascii_case("content-length") {
            // Two lengths frame the body two ways: neither is trusted.
            if length.is_some() {
                return Header::Unframeable;
            }
            length = Some(value.trim().parse::<usize>().ok().filter(|&n| n <= MAX_MESSAGE));
        }
    }
}

/// One line including its `\n`, at most [`MAX_HEADER_LINE`] + 1 bytes; `None` at EOF.
fn read_line(input: &mut dyn BufRead) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    loop {
        let buf = input.fill_buf().ok()?;
        if buf.is_empty() {
            return (!line.is_empty()).then_some(line);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(p) => (p + 1, true),
            None => (buf.len(), false),
        };
        let room = (MAX_HEADER_LINE + 1).saturating_sub(line.len());
        line.extend_from_slice(&buf[..take.min(room)]);
        input.consume(take);
        if done {
            return Some(line);
        }
    }
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Skip bytes until a `Content-Length:` header starts (messages follow each other without
/// a separator, so it may start mid-line); that header line, or `None` at EOF.
fn resync(input: &mut dyn BufRead) -> Option<Vec<u8>> {
    const MARK: &[u8] = b"content-length:";
    let mut matched = 0;
    loop {
        let buf = input.fill_buf().ok()?;
        if buf.is_empty() {
            return None;
        }
        let mut used = 0;
        let mut found = false;
        for &b in buf {
            used += 1;
            if b.to_ascii_lowercase() == MARK[matched] {
                matched += 1;
                if matched == MARK.len() {
                    found = true;
                    break;
                }
            } else {
                matched = usize::from(b.to_ascii_lowercase() == MARK[0]);
            }
        }
        input.consume(used);
        if found {
            let mut line = b"Content-Length:".to_vec();
            line.extend(read_line(input)?);
            return Some(line);
        }
    }
}

/// A body as a message, or the JSON-RPC error to answer it with.
fn parse_body(body: &[u8]) -> Result<Message, Vec<u8>> {
    let error = |code: i32, message: &str, id: serde_json::Value| {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            .to_string()
            .into_bytes()
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(error(PARSE_ERROR, "the message is not valid UTF-8", serde_json::Value::Null));
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| error(PARSE_ERROR, &format!("the message is not JSON: {e}"), serde_json::Value::Null))?;
    let id = value.get("id").cloned().filter(|i| i.is_number() || i.is_string()).unwrap_or(serde_json::Value::Null);
    // JSON-RPC 2.0: a request or notification has a `method`; a response has `result` or `error`.
    let shaped = value.get("method").is_some_and(serde_json::Value::is_string)
        || (value.get("id").is_some() && (value.get("result").is_some() || value.get("error").is_some()));
    if !shaped {
        return Err(error(INVALID_REQUEST, "not a JSON-RPC request, notification or response", id));
    }
    serde_json::from_value::<Message>(value)
        .map_err(|e| error(INVALID_REQUEST, &format!("not a JSON-RPC request, notification or response: {e}"), id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_is_answered_or_dropped_and_reading_goes_on() {
        let ok = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = Vec::new();
        input.extend(frame("{not json").into_bytes());
        input.extend(b"Content-Length: 99999999999999\r\n\r\n{\"a\":1}");
        input.extend(b"Content-Length: twelve\r\n\r\n{}");
        let mut bad_utf8 = b"Content-Length: 3\r\n\r\n".to_vec();
        bad_utf8.extend([0xff, 0xfe, 0x7b]);
        input.extend(bad_utf8);
        input.extend(frame(r#"{"jsonrpc":"2.0","id":7,"params":{}}"#).into_bytes());
        input.extend(frame(ok).into_bytes());
        let mut delivered = Vec::new();
        let mut replies = Vec::new();
        read_messages(
            &mut std::io::Cursor::new(input),
            |m| {
                delivered.push(m);
                true
            },
            |r| {
                replies.push(String::from_utf8(r).unwrap());
                true
            },
        );
        assert_eq!(delivered.len(), 1, "{delivered:?}");
        assert!(matches!(&delivered[0], Message::Notification(n) if n.method == "initialized"));
        assert_eq!(replies.len(), 3, "{replies:?}");
        assert!(replies[0].contains("-32700") && replies[0].contains("\"id\":null"));
        assert!(replies[1].contains("-32700") && replies[1].contains("UTF-8"));
        assert!(replies[2].contains("-32600") && replies[2].contains("\"id\":7"));
    }
}
