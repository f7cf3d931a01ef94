//! The deployment recipe: the systemd unit passes `systemd-analyze verify`, the container's
//! config is valid and enables what the image's health check needs. (No container engine
//! runs in CI, so the image itself is not built here.)

mod common;

use std::process::Command;

use backup_help_bot::config::{Config, LogFormat};

#[test]
fn the_systemd_unit_verifies() {
    let analyze = Command::new("systemd-analyze").arg("--version").output();
    if analyze.is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install systemd-analyze"
        );
        println!("skipped: systemd-analyze is not installed (CI installs the systemd package)");
        return;
    }
    let unit = common::read(&common::root().join("deploy/backup-help-bot.service"));
    let exec = "ExecStart=/usr/local/bin/backup-help-bot ";
    assert!(unit.contains(exec), "the unit runs the installed binary");
    // The binary is not installed here: point the unit at the one just built.
    let built = env!("CARGO_BIN_EXE_backup-help-bot");
    let unit = unit.replace(exec, &format!("ExecStart={built} "));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("backup-help-bot.service");
    std::fs::write(&path, &unit).expect("written");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    let about_ours: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("backup-help-bot.service"))
        .collect();
    assert!(about_ours.is_empty(), "{about_ours:#?}");
    for key in [
        "DynamicUser=yes",
        "StateDirectory=backup-help-bot",
        "EnvironmentFile=/etc/backup-help-bot/env",
        "Restart=on-failure",
        "RestartPreventExitStatus=2",
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.lines().any(|l| l == key), "the unit lacks {key}");
    }
}

#[test]
fn the_container_config_is_valid_and_serves_the_health_check() {
    let path = common::root().join("deploy/config.container.ron");
    let config = Config::load(&path).expect("the container config is valid");
    let listen = config.http.listen.expect("the endpoint is on");
    assert_eq!(listen.0.port(), 9477);
    assert_eq!(config.log_format, LogFormat::Json);
    let dockerfile = common::read(&common::root().join("deploy/Dockerfile"));
    for needed in [
        "USER 10001",
        "VOLUME /data",
        "http://127.0.0.1:9477/healthz",
        "STOPSIGNAL SIGTERM",
        "COPY responses /app/responses",
    ] {
        assert!(
            dockerfile.contains(needed),
            "the Dockerfile lacks {needed:?}"
        );
    }
    assert_eq!(config.responses.to_str(), Some("/app/responses"));
}
