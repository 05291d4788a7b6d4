//! A few tests through the real binary over stdio: the protocol on stdout only, logs on
//! stderr, and LSP's exit codes (0 after `shutdown`, 1 without).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

fn spawn() -> Child {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .env("SWITCHBOARD_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the switchboard binary starts")
}

fn send(child: &mut Child, message: &Value) {
    let body = message.to_string();
    let stdin = child.stdin.as_mut().expect("stdin is piped");
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads stdin");
    stdin.flush().expect("the server reads stdin");
}

fn read(stdout: &mut BufReader<ChildStdout>) -> Value {
    let mut length = 0;
    loop {
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server writes stdout");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(": ").expect("a header line");
        assert_eq!(name, "Content-Length", "stdout carries nothing but frames");
        length = value.parse().expect("a numeric length");
    }
    let mut body = vec![0; length];
    stdout.read_exact(&mut body).expect("a whole body");
    serde_json::from_slice(&body).expect("JSON on stdout")
}

fn initialize(child: &mut Child, stdout: &mut BufReader<ChildStdout>) {
    send(
        child,
        &json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }),
    );
    let response = read(stdout);
    assert_eq!(response["result"]["serverInfo"]["name"], "switchboard");
    send(
        child,
        &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
    );
}

fn stderr_of(child: Child) -> (i32, String) {
    let output = child.wait_with_output().expect("the server exits");
    (
        output.status.code().expect("an exit code, not a signal"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn shutdown_then_exit_ends_with_code_0_and_logs_on_stderr() {
    let mut child = spawn();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    initialize(&mut child, &mut stdout);
    send(
        &mut child,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": "file:///ws/a.rs", "languageId": "rust", "version": 0, "text": "fn a() {}" } } }),
    );
    send(
        &mut child,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "switchboard/documentState", "params": { "uri": "file:///ws/a.rs" } }),
    );
    assert_eq!(read(&mut stdout)["result"]["text"], "fn a() {}");
    send(
        &mut child,
        &json!({ "jsonrpc": "2.0", "id": 3, "method": "shutdown" }),
    );
    assert_eq!(read(&mut stdout)["result"], Value::Null);
    send(&mut child, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    // The server must exit even though stdin is still open.
    let (code, stderr) = stderr_of(child);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(
        stderr.contains("shutdown requested"),
        "logs go to stderr: {stderr}"
    );
}

#[test]
fn exit_without_shutdown_ends_with_code_1() {
    let mut child = spawn();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    initialize(&mut child, &mut stdout);
    send(&mut child, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert_eq!(stderr_of(child).0, 1);
}

#[test]
fn the_end_of_input_without_shutdown_ends_with_code_1() {
    let mut child = spawn();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    initialize(&mut child, &mut stdout);
    drop(child.stdin.take());
    assert_eq!(stderr_of(child).0, 1);
}

#[test]
fn garbage_on_stdin_is_answered_and_the_server_carries_on() {
    let mut child = spawn();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    {
        let stdin = child.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(b"Content-Length: 5\r\n\r\nhello")
            .expect("the server reads stdin");
    }
    assert_eq!(read(&mut stdout)["error"]["code"], -32700);
    initialize(&mut child, &mut stdout);
    send(
        &mut child,
        &json!({ "jsonrpc": "2.0", "id": 9, "method": "shutdown" }),
    );
    assert_eq!(read(&mut stdout)["id"], 9);
    send(&mut child, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert_eq!(stderr_of(child).0, 0);
}
