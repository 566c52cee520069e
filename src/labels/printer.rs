//! Sending a label to the station's printer: ZPL over raw TCP (port 9100 by default), or a file
//! in a directory when the station has no printer.
//!
//! A label is never lost. Every failure is a [`PrinterError`] that says what to check and
//! carries the label back, so the station can offer a retry. Connecting and sending each have a
//! timeout (3 s by default), so a printer that is off, or on but wedged, stops the station with
//! a message rather than hanging it.
//!
//! Raw port 9100 does not answer, so [`Printed::Sent`] means the printer took every byte, not
//! that the label came out; a paused printer prints it when resumed.

use std::fmt;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

use crate::labels::zpl::CartonLabel;

/// The raw printing port of Zebra and most label printers.
pub const DEFAULT_PRINTER_PORT: u16 = 9100;

/// The kernel send buffer asked for: labels are a few kilobytes, and a small buffer makes a
/// printer that stops reading show up as a send timeout instead of bytes parked in the kernel.
const SEND_BUFFER_BYTES: u32 = 64 * 1024;

/// Where a station's labels go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelSink {
    /// A network printer's raw port.
    Tcp { host: String, port: u16 },
    /// No printer: each label is written to `<dir>/<sscc>.zpl`.
    Directory(PathBuf),
}

impl LabelSink {
    /// A printer from a station setting: `host`, `host:port`, `[v6 address]` or
    /// `[v6 address]:port`; the port defaults to 9100.
    pub fn printer(address: &str) -> Result<LabelSink, String> {
        let address = address.trim();
        let bad = || {
            format!(
                "printer address {address:?}: expected host or host:port, such as 10.0.0.5:9100"
            )
        };
        let (host, port) = if let Some(rest) = address.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(bad()),
            }
        } else {
            match address.split_once(':') {
                Some((host, port)) if !port.contains(':') => (host, Some(port)),
                Some(_) => (address, None),
                None => (address, None),
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad());
        }
        let port = match port {
            None => DEFAULT_PRINTER_PORT,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(bad)?,
        };
        Ok(LabelSink::Tcp {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for LabelSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelSink::Tcp { host, port } => write!(f, "printer {}", host_port(host, *port)),
            LabelSink::Directory(dir) => write!(f, "label directory {}", dir.display()),
        }
    }
}

/// How long to wait for a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterTimeouts {
    /// To resolve the host and open the connection.
    pub connect: Duration,
    /// To send the whole label once connected.
    pub write: Duration,
}

impl Default for PrinterTimeouts {
    fn default() -> PrinterTimeouts {
        PrinterTimeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(3),
        }
    }
}

/// Where a label went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    /// The printer took all `bytes`.
    Sent { printer: String, bytes: usize },
    /// Written, complete, to `path`.
    Written { path: PathBuf },
}

/// A label that did not reach its printer or directory, with the label itself, so that the
/// caller can retry: `printer 10.0.0.5:9100 did not answer within 3 s: check it is on and
/// loaded; the label is kept, retry`.
#[derive(Debug, thiserror::Error)]
#[error("{failure}; the label is kept, retry")]
pub struct PrinterError {
    pub failure: PrintFailure,
    /// The label, unchanged, to send again.
    pub label: CartonLabel,
}

impl PrinterError {
    /// The label to send again.
    pub fn into_label(self) -> CartonLabel {
        self.label
    }
}

/// What went wrong, with what to check.
#[derive(Debug, thiserror::Error)]
pub enum PrintFailure {
    #[error("printer {printer} did not answer within {}: check it is on and loaded", secs(*.after))]
    ConnectTimeout { printer: String, after: Duration },
    #[error(
        "printer {printer} refused the connection: check it is on and that {port} is its raw \
         print port"
    )]
    Refused { printer: String, port: u16 },
    #[error("printer {printer} cannot be reached ({source}): check it is on and its address")]
    Unreachable {
        printer: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "printer {printer} took the connection but not the label within {}: check it is not \
         paused, jammed or out of labels",
        secs(*.after)
    )]
    WriteTimeout { printer: String, after: Duration },
    #[error("printer {printer} dropped the connection while the label was sent ({source})")]
    Write {
        printer: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the label to {} ({source}): check the directory is writable", .path.display())]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Sends `label` to `sink` with the default 3 s timeouts.
pub async fn print(sink: &LabelSink, label: &CartonLabel) -> Result<Printed, PrinterError> {
    print_with(sink, label, PrinterTimeouts::default()).await
}

/// Sends `label` to `sink` with the given timeouts.
pub async fn print_with(
    sink: &LabelSink,
    label: &CartonLabel,
    timeouts: PrinterTimeouts,
) -> Result<Printed, PrinterError> {
    let result = match sink {
        LabelSink::Tcp { host, port } => send_tcp(host, *port, label, timeouts).await,
        LabelSink::Directory(dir) => write_file(dir, label).await,
    };
    result.map_err(|failure| {
        tracing::warn!(sscc = %label.sscc, %failure, "label not printed");
        PrinterError {
            failure,
            label: label.clone(),
        }
    })
}

async fn send_tcp(
    host: &str,
    port: u16,
    label: &CartonLabel,
    timeouts: PrinterTimeouts,
) -> Result<Printed, PrintFailure> {
    let printer = host_port(host, port);
    let mut stream = match timeout(timeouts.connect, connect(host, port)).await {
        Err(_elapsed) => {
            return Err(PrintFailure::ConnectTimeout {
                printer,
                after: timeouts.connect,
            });
        }
        Ok(Err(source)) if source.kind() == io::ErrorKind::ConnectionRefused => {
            return Err(PrintFailure::Refused { printer, port });
        }
        Ok(Err(source)) => return Err(PrintFailure::Unreachable { printer, source }),
        Ok(Ok(stream)) => stream,
    };
    let bytes = label.zpl.as_bytes();
    let send = async {
        stream.write_all(bytes).await?;
        // Sends FIN once everything is queued: the printer sees the job end.
        stream.shutdown().await
    };
    match timeout(timeouts.write, send).await {
        Ok(Ok(())) => {
            tracing::info!(sscc = %label.sscc, %printer, bytes = bytes.len(), "label sent");
            Ok(Printed::Sent {
                printer,
                bytes: bytes.len(),
            })
        }
        Ok(Err(source)) => Err(PrintFailure::Write { printer, source }),
        Err(_elapsed) => {
            // Reset rather than close, so the half-sent label is discarded instead of reaching
            // the printer later ahead of the retry.
            let _ = stream.set_zero_linger();
            drop(stream);
            Err(PrintFailure::WriteTimeout {
                printer,
                after: timeouts.write,
            })
        }
    }
}

/// Resolves `host` and connects to the first address that answers.
async fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match connect_addr(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address"))
    }))
}

async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_send_buffer_size(SEND_BUFFER_BYTES)?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Writes `<dir>/<sscc>.zpl` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over the final name. A reprint replaces the file.
async fn write_file(dir: &Path, label: &CartonLabel) -> Result<Printed, PrintFailure> {
    let dir = dir.to_owned();
    let path = dir.join(format!("{}.zpl", label.sscc));
    let zpl = label.zpl.clone();
    let target = path.clone();
    let written = tokio::task::spawn_blocking(move || write_atomically(&dir, &target, &zpl))
        .await
        .unwrap_or_else(|join| Err(io::Error::other(join.to_string())));
    match written {
        Ok(()) => {
            tracing::info!(sscc = %label.sscc, path = %path.display(), "label written");
            Ok(Printed::Written { path })
        }
        Err(source) => Err(PrintFailure::File { path, source }),
    }
}

fn write_atomically(dir: &Path, path: &Path, contents: &str) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    // Make the rename itself durable; not every platform can open a directory, so best effort.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// `host:port`, with an IPv6 address in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `3 s`, or `250 ms` below a second.
fn secs(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::barcode::Sscc;

    fn label() -> CartonLabel {
        CartonLabel {
            sscc: Sscc::parse("006141411234567890").expect("valid"),
            zpl: "^XA^XZ\n".to_owned(),
        }
    }

    #[test]
    fn messages_say_what_to_check_and_that_the_label_is_kept() {
        let err = PrinterError {
            failure: PrintFailure::ConnectTimeout {
                printer: "10.0.0.5:9100".to_owned(),
                after: Duration::from_secs(3),
            },
            label: label(),
        };
        assert_eq!(
            err.to_string(),
            "printer 10.0.0.5:9100 did not answer within 3 s: check it is on and loaded; the \
             label is kept, retry"
        );
        assert_eq!(err.into_label(), label());
        let err = PrintFailure::WriteTimeout {
            printer: "10.0.0.5:9100".to_owned(),
            after: Duration::from_millis(250),
        };
        assert_eq!(
            err.to_string(),
            "printer 10.0.0.5:9100 took the connection but not the label within 250 ms: check \
             it is not paused, jammed or out of labels"
        );
        assert_eq!(secs(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn printer_addresses_default_to_port_9100() {
        let tcp = |host: &str, port| LabelSink::Tcp {
            host: host.to_owned(),
            port,
        };
        assert_eq!(LabelSink::printer("10.0.0.5"), Ok(tcp("10.0.0.5", 9100)));
        assert_eq!(
            LabelSink::printer(" zebra-3.local:6101 "),
            Ok(tcp("zebra-3.local", 6101))
        );
        assert_eq!(
            LabelSink::printer("[fe80::1]:9100"),
            Ok(tcp("fe80::1", 9100))
        );
        assert_eq!(LabelSink::printer("[fe80::1]"), Ok(tcp("fe80::1", 9100)));
        assert_eq!(LabelSink::printer("fe80::1"), Ok(tcp("fe80::1", 9100)));
        assert!(LabelSink::printer("").is_err());
        assert!(LabelSink::printer("10.0.0.5:").is_err());
        assert!(LabelSink::printer("10.0.0.5:0").is_err());
        assert!(LabelSink::printer("10.0.0.5:99999").is_err());
        assert!(LabelSink::printer("[fe80::1]x").is_err());
        assert_eq!(
            tcp("fe80::1", 9100).to_string(),
            "printer [fe80::1]:9100".to_owned()
        );
    }
}
