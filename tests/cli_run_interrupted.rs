//! `zonebench run` cut short: Ctrl-C keeps the finished cells and marks the
//! file partial; a closed stdout neither panics nor loses the file.

mod common;

use common::tmp;
use std::process::Command;

#[test]
fn ctrl_c_keeps_finished_cells_and_marks_the_file_partial() {
    let out_path = tmp("interrupted.json");
    let child = Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args([
            "run",
            "--guards",
            "seqcount,rcu,latch",
            "--readers",
            "1",
            "--duration",
            "1",
            "--warmup",
            "0",
            "--rounds",
            "1",
        ])
        .args(["--out", out_path.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first cell takes about a second; interrupt during the second.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["meta"]["partial"], true);
    let cells = v["cells"].as_array().unwrap().len();
    assert!(cells < 3, "{cells} cells: the interrupted ones were kept");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}

/// A closed stdout (`zonebench run ... | head -1`) neither panics nor
/// loses the results file.
#[test]
fn a_closed_stdout_loses_nothing() {
    use std::process::Stdio;
    let out_path = tmp("pipe.json");
    let child = Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(["run", "--guards", "seqcount", "--readers", "1"])
        .args([
            "--duration",
            "0.1",
            "--warmup",
            "0",
            "--rounds",
            "1",
            "--out",
        ])
        .arg(&out_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zonebench");
    // Close our end of stdout before the table is written.
    let mut child = child;
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["cells"].as_array().unwrap().len(), 1);
}
