//! The configuration file and `config check`: flag > environment > file > default, and an unknown
//! key or a bad value stops with its name.

use std::path::Path;
use std::process::Output;

fn check(config: &Path, envs: &[(&str, &str)], flags: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("--config")
        .arg(config)
        .args(flags)
        .args(["config", "check"]);
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// The value and source `config check` printed for `key`.
fn setting(output: &Output, key: &str) -> (String, String) {
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no {key} in {text}"));
    let mut words = line.split_whitespace().skip(1);
    let value = words.next().unwrap().to_string();
    let source = line[line.find('[').unwrap() + 1..line.len() - 1].to_string();
    (value, source)
}

#[test]
fn flags_beat_the_environment_which_beats_the_file_which_beats_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    std::fs::write(
        &config,
        "listen = \"0.0.0.0:8080\"\nbackup-keep = 3\nshutdown-timeout = 4\n\
         trusted-proxies = [\"10.0.0.0/8\", \"127.0.0.1/32\"]\nsecure-cookies = true\n",
    )
    .unwrap();
    let output = check(
        &config,
        &[
            ("GATEHOUSE_BACKUP_KEEP", "5"),
            ("GATEHOUSE_SHUTDOWN_TIMEOUT", "6"),
        ],
        &["--shutdown-timeout", "7"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = format!("file {}", config.display());
    assert_eq!(
        setting(&output, "listen"),
        ("0.0.0.0:8080".into(), file.clone())
    );
    assert_eq!(
        setting(&output, "trusted-proxies"),
        ("10.0.0.0/8,127.0.0.1/32".into(), file.clone())
    );
    assert_eq!(setting(&output, "secure-cookies"), ("true".into(), file));
    assert_eq!(
        setting(&output, "backup-keep"),
        ("5".into(), "environment".into())
    );
    assert_eq!(
        setting(&output, "shutdown-timeout"),
        ("7".into(), "flag".into())
    );
    assert_eq!(
        setting(&output, "durability"),
        ("normal".into(), "default".into())
    );
}

#[test]
fn an_unknown_key_or_a_bad_value_is_named_and_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    for (content, named) in [
        ("lissten = \"0.0.0.0:1\"\n", "unknown key \"lissten\""),
        ("listen = \"nowhere\"\n", "--listen"),
        ("backup-keep = 0\n", "--backup-keep"),
        ("listen = [1, 2]\n", "listen must be a list of strings"),
        ("listen = \n", "not valid TOML"),
    ] {
        std::fs::write(&config, content).unwrap();
        let output = check(&config, &[], &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{content}");
        assert!(stderr.contains(named), "{content}: {stderr}");
    }
    let missing = check(&dir.path().join("absent.toml"), &[], &[]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the configuration file"));
}
