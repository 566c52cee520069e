//! Carton labels end to end without a real printer: a loopback TCP listener stands in for a
//! Zebra on port 9100 and captures what it is sent; the captured ZPL must parse and carry a
//! valid SSCC. Printer down, printer wedged and the directory sink are covered too.

use std::time::Duration;

use aisle::domain::barcode::has_valid_check_digit;
use aisle::labels::{
    Address, CartonLabel, LabelSink, PrintFailure, Printed, PrinterTimeouts, ShippingLabel,
    SsccScheme, build_label, parse_fields, print, print_with,
};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinHandle;

/// Fails the test rather than hanging it.
const TEST_LIMIT: Duration = Duration::from_secs(20);

fn scheme() -> SsccScheme {
    SsccScheme::new(0, "0614141").expect("valid scheme")
}

fn address(name: &str, line: &str, city: &str, state: &str, zip: &str) -> Address {
    Address {
        name: name.to_owned(),
        lines: vec![line.to_owned()],
        city: city.to_owned(),
        state: state.to_owned(),
        postal_code: zip.to_owned(),
        country: "US".to_owned(),
    }
}

/// Carton `k` of `n` of a demo order, with the serial reference `serial`.
fn carton_label(serial: u64, k: u32, n: u32) -> CartonLabel {
    let scheme = scheme();
    let label = ShippingLabel {
        ship_from: address(
            "Aisle Demo Warehouse",
            "100 Dock Road",
            "Reno",
            "NV",
            "89502",
        ),
        ship_to: address(
            "Grace Hopper",
            "1 Compiler Court",
            "Arlington",
            "VA",
            "22201",
        ),
        carrier: "UPS".to_owned(),
        service: "Ground".to_owned(),
        tracking_number: format!("1Z999AA1012345678{k}"),
        order_reference: "SHOP-1001".to_owned(),
        carton_number: k,
        carton_count: n,
        weight_g: 1_250 * k,
        sscc: scheme.compose(serial).expect("serial fits"),
        company_prefix: Some(scheme.company_prefix().clone()),
    };
    build_label(&label).expect("label builds")
}

/// A stand-in printer: accepts `jobs` connections on 127.0.0.1 and returns what each sent.
async fn loopback_printer(jobs: usize) -> (LabelSink, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let captured = tokio::spawn(async move {
        let mut labels = Vec::new();
        for _ in 0..jobs {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes).await.expect("read");
            labels.push(String::from_utf8(bytes).expect("UTF-8 ZPL"));
        }
        labels
    });
    let sink = LabelSink::Tcp {
        host: "127.0.0.1".to_owned(),
        port,
    };
    (sink, captured)
}

#[tokio::test]
async fn a_two_carton_order_prints_labels_the_printer_can_read() {
    let (sink, captured) = loopback_printer(2).await;
    let labels = [carton_label(41, 1, 2), carton_label(42, 2, 2)];
    for label in &labels {
        let printed = tokio::time::timeout(TEST_LIMIT, print(&sink, label))
            .await
            .expect("within the test limit")
            .expect("printed");
        assert_eq!(
            printed,
            Printed::Sent {
                printer: format!("127.0.0.1:{}", sink_port(&sink)),
                bytes: label.zpl.len(),
            }
        );
    }
    let received = tokio::time::timeout(TEST_LIMIT, captured)
        .await
        .expect("within the test limit")
        .expect("printer task");
    assert_eq!(received.len(), 2);
    for (k, (zpl, label)) in received.iter().zip(&labels).enumerate() {
        assert_eq!(zpl, &label.zpl, "the printer got the label byte for byte");
        let parsed = parse_fields(zpl).expect("the captured label parses as ZPL");
        let sscc = parsed.sscc().expect("a GS1-128 SSCC barcode");
        assert_eq!(sscc, label.sscc);
        assert_eq!(sscc.as_str().len(), 18);
        assert!(has_valid_check_digit(sscc.as_str()));
        assert!(sscc.as_str().starts_with("00614141"));
        assert!(parsed.has_text(&format!("CARTON {} OF 2", k + 1)));
        assert!(parsed.has_text("Grace Hopper"));
        assert!(parsed.has_text("ORDER SHOP-1001"));
        assert!(parsed.has_text("UPS Ground"));
        let grouped = format!(
            "(00) 0 0614141 {} {}",
            &sscc.as_str()[8..17],
            &sscc.as_str()[17..]
        );
        assert!(parsed.has_text(&grouped), "{grouped}");
        let tracking = parsed.code128().find(|c| !c.gs1).expect("tracking barcode");
        assert_eq!(tracking.content, format!("1Z999AA1012345678{}", k + 1));
    }
    assert_ne!(labels[0].sscc, labels[1].sscc);
}

fn sink_port(sink: &LabelSink) -> u16 {
    match sink {
        LabelSink::Tcp { port, .. } => *port,
        LabelSink::Directory(_) => 0,
    }
}

#[tokio::test]
async fn printer_down_gives_a_clear_error_and_keeps_the_label_for_a_retry() {
    // A port nothing listens on: bind, note it, close.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let sink = LabelSink::Tcp {
        host: "127.0.0.1".to_owned(),
        port,
    };
    let label = carton_label(7, 1, 1);
    let err = tokio::time::timeout(TEST_LIMIT, print(&sink, &label))
        .await
        .expect("within the test limit")
        .expect_err("nobody listens");
    assert!(
        matches!(err.failure, PrintFailure::Refused { .. }),
        "{:?}",
        err.failure
    );
    assert_eq!(
        err.to_string(),
        format!(
            "printer 127.0.0.1:{port} refused the connection: check it is on and that {port} is \
             its raw print port; the label is kept, retry"
        )
    );
    assert_eq!(err.label, label, "the label comes back unchanged");

    // The printer is back: the kept label prints.
    let (sink, captured) = loopback_printer(1).await;
    let kept = err.into_label();
    print(&sink, &kept).await.expect("retry prints");
    let received = captured.await.expect("printer task");
    let parsed = parse_fields(&received[0]).expect("parses");
    assert_eq!(parsed.sscc().expect("sscc"), label.sscc);
}

#[tokio::test]
async fn a_printer_that_takes_the_connection_but_never_reads_times_out() {
    // A small receive window that is never drained: the printer's buffer is full.
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(8).expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let wedged = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        // Hold the connection open without reading until the test ends.
        tokio::time::sleep(TEST_LIMIT).await;
        drop(stream);
    });

    // Larger than any kernel buffering on the way, so sending must wait for the printer.
    let mut label = carton_label(8, 1, 1);
    label.zpl = format!("^XA^FX{}^XZ\n", "x".repeat(16 * 1024 * 1024));
    let sink = LabelSink::Tcp {
        host: "127.0.0.1".to_owned(),
        port,
    };
    let timeouts = PrinterTimeouts {
        connect: Duration::from_secs(3),
        write: Duration::from_millis(300),
    };
    let err = tokio::time::timeout(TEST_LIMIT, print_with(&sink, &label, timeouts))
        .await
        .expect("times out by itself, within the test limit")
        .expect_err("the printer never reads");
    assert!(
        matches!(err.failure, PrintFailure::WriteTimeout { .. }),
        "{:?}",
        err.failure
    );
    assert_eq!(
        err.to_string(),
        format!(
            "printer 127.0.0.1:{port} took the connection but not the label within 300 ms: check \
             it is not paused, jammed or out of labels; the label is kept, retry"
        )
    );
    assert_eq!(err.label.zpl.len(), label.zpl.len());
    assert_eq!(err.label, label);
    wedged.abort();
}

#[tokio::test]
async fn without_a_printer_the_label_is_written_to_the_directory() {
    let root = tempfile::tempdir().expect("tempdir");
    // The directory does not exist yet: it is created.
    let dir = root.path().join("labels");
    let sink = LabelSink::Directory(dir.clone());
    let label = carton_label(9, 1, 1);
    let printed = print(&sink, &label).await.expect("written");
    let path = dir.join(format!("{}.zpl", label.sscc));
    assert_eq!(printed, Printed::Written { path: path.clone() });
    let written = std::fs::read_to_string(&path).expect("label file");
    assert_eq!(written, label.zpl);
    let parsed = parse_fields(&written).expect("parses");
    assert_eq!(parsed.sscc().expect("sscc"), label.sscc);

    // A reprint replaces the file; no temporary files are left behind.
    print(&sink, &label).await.expect("reprinted");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [format!("{}.zpl", label.sscc)]);
}

#[tokio::test]
async fn an_unwritable_directory_keeps_the_label() {
    let root = tempfile::tempdir().expect("tempdir");
    let not_a_dir = root.path().join("file");
    std::fs::write(&not_a_dir, "in the way").expect("write");
    let sink = LabelSink::Directory(not_a_dir);
    let label = carton_label(10, 1, 1);
    let err = print(&sink, &label).await.expect_err("cannot write");
    assert!(matches!(err.failure, PrintFailure::File { .. }));
    assert!(err.to_string().ends_with("; the label is kept, retry"));
    assert_eq!(err.into_label(), label);
}

#[tokio::test]
async fn a_printer_that_never_answers_the_connection_times_out() {
    // A listener that never accepts: once its queue is full, the kernel drops new connection
    // attempts unanswered, as a printer that is off behind a switch would.
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(1).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut queued = Vec::new();
    let mut full = false;
    for _ in 0..64 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => queued.push(stream),
            Ok(Err(e)) => panic!("filling the queue: {e}"),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(full, "the accept queue never filled");

    let sink = LabelSink::Tcp {
        host: "127.0.0.1".to_owned(),
        port: addr.port(),
    };
    let timeouts = PrinterTimeouts {
        connect: Duration::from_millis(300),
        write: Duration::from_secs(3),
    };
    let label = carton_label(11, 1, 1);
    let err = tokio::time::timeout(TEST_LIMIT, print_with(&sink, &label, timeouts))
        .await
        .expect("times out by itself, within the test limit")
        .expect_err("never answered");
    assert_eq!(
        err.to_string(),
        format!(
            "printer {addr} did not answer within 300 ms: check it is on and loaded; the label is \
             kept, retry"
        )
    );
    assert_eq!(err.label, label);
    drop(queued);
    drop(listener);
}
