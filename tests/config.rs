//! The config file: the example as shipped, defaults, and every kind of bad value.

use std::time::Duration;

use backup_help_bot::config::{Config, ConfigError, ThreadKind};

fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.ron");
    std::fs::read_to_string(path).expect("config.example.ron is readable")
}

fn error(source: &str) -> String {
    match Config::parse(source, "config.ron") {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn the_example_loads_with_the_documented_defaults() {
    let config = Config::parse(&example(), "config.example.ron").expect("the example is valid");
    assert_eq!(
        config,
        Config::parse("Config()", "empty").expect("all keys have defaults")
    );
    assert_eq!(config.discord.api_url, None);
    assert_eq!(config.discord.thread, ThreadKind::Private);
    assert_eq!(config.idle_warning.0, Duration::from_secs(20 * 60));
    assert_eq!(config.idle_close.0, Duration::from_secs(30 * 60));
    assert_eq!(config.responses.to_str(), Some("responses"));
    assert_eq!(
        config.retention.map(|r| r.0),
        Some(Duration::from_secs(90 * 24 * 60 * 60))
    );
}

#[test]
fn retention_is_a_duration_or_none_and_never_zero() {
    let read = |value: &str| {
        let source = format!("Config(retention: {value})");
        Config::parse(&source, "c").map(|c| c.retention.map(|r| r.0))
    };
    let days = |n: u64| Some(Duration::from_secs(n * 24 * 60 * 60));
    assert_eq!(read(r#"Some("30d")"#).expect("valid"), days(30));
    assert_eq!(read(r#""7d""#).expect("valid"), days(7));
    assert_eq!(read("None").expect("valid"), None);
    let zero = error("Config(\n    retention: \"0s\",\n)");
    assert!(
        zero.contains("config.ron:2") && zero.contains("above zero"),
        "{zero}"
    );
    let bad = error(r#"Config(retention: "soon")"#);
    assert!(bad.contains("is not a duration"), "{bad}");
}

#[test]
fn values_are_read() {
    let source = r#"Config(
        discord: (api_url: "http://127.0.0.1:9", guilds: [1, 2], support_role: 3,
                  staff_roles: [4], thread: Public),
        idle_warning: "1m 30s", idle_close: "2m")"#;
    let config = Config::parse(source, "c").expect("valid");
    assert_eq!(
        config.discord.api_url.as_deref(),
        Some("http://127.0.0.1:9")
    );
    let guilds: Vec<u64> = config.discord.guilds.iter().map(|g| g.get()).collect();
    assert_eq!(guilds, [1, 2]);
    assert_eq!(config.discord.support_role.map(|r| r.get()), Some(3));
    assert_eq!(config.discord.thread, ThreadKind::Public);
    assert_eq!(config.idle_warning.0, Duration::from_secs(90));
}

#[test]
fn a_zero_id_is_an_error_naming_file_and_line() {
    for (key, what) in [
        ("support_role: Some(0)", "role id cannot be 0"),
        ("guilds: [5, 0]", "server id cannot be 0"),
        ("staff_roles: [0]", "role id cannot be 0"),
    ] {
        let source = format!("Config(\n    discord: (\n        {key},\n    ),\n)");
        let text = error(&source);
        assert!(text.starts_with("config.ron:3:"), "{key}: {text}");
        assert!(text.contains(what), "{key}: {text}");
    }
}

#[test]
fn an_unknown_key_names_file_line_column_and_the_expected_keys() {
    let source = example().replacen("idle_close:", "idle_closed:", 1);
    let line = source
        .lines()
        .position(|l| l.contains("idle_closed:"))
        .unwrap()
        + 1;
    let text = error(&source);
    assert!(text.starts_with(&format!("config.ron:{line}:")), "{text}");
    assert!(
        text.contains("idle_closed") && text.contains("idle_close"),
        "{text}"
    );
}

#[test]
fn a_bad_duration_says_how_to_write_one() {
    let source = example().replacen(r#"idle_warning: "20m""#, r#"idle_warning: "twenty""#, 1);
    let line = source.lines().position(|l| l.contains("twenty")).unwrap() + 1;
    let text = error(&source);
    assert!(text.starts_with(&format!("config.ron:{line}:")), "{text}");
    assert!(
        text.contains("\"twenty\" is not a duration") && text.contains("20m"),
        "{text}"
    );
}

#[test]
fn bad_values_are_errors_with_their_line() {
    let cases = [
        ("thread: Private", "thread: Secret", "Secret"),
        ("guilds: []", "guilds: [\"abc\"]", "guilds"),
        ("api_url: None", "api_url: \"ftp://x\"", "api_url"),
        (
            r#"idle_close: "30m""#,
            r#"idle_close: "10m""#,
            "shorter than `idle_close`",
        ),
    ];
    for (from, to, word) in cases {
        let source = example().replacen(from, to, 1);
        let text = error(&source);
        assert!(text.starts_with("config.ron:"), "{to}: {text}");
        assert!(
            text.contains(word) || text.contains("Expected"),
            "{to}: {text}"
        );
        let line: usize = text.split(':').nth(1).and_then(|n| n.parse().ok()).unwrap();
        assert!(line > 1, "{to}: line {line} in {text}");
    }
}

#[test]
fn a_shard_range_says_which_guilds_it_serves() {
    let source = example().replacen(
        "shards: None",
        "shards: Some((first: 1, count: 1, total: 2))",
        1,
    );
    let config = Config::parse(&source, "c").expect("valid");
    let shards = config.discord.shards.expect("set");
    assert!(
        shards.owns(1 << 22) && !shards.owns(2000),
        "(guild >> 22) % total picks the shard"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = Config::load("no/such/config.ron".as_ref()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("no/such/config.ron"));
}

/// What Windows editors write at the start of a UTF-8 file.
const BOM: &str = "\u{feff}";

#[test]
fn a_config_starting_with_a_byte_order_mark_loads() {
    let plain = Config::parse(&example(), "config.ron").expect("the example is valid");
    let marked = format!("{BOM}{}", example());
    assert_eq!(Config::parse(&marked, "config.ron").expect("loads"), plain);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("config.ron");
    std::fs::write(&path, marked.as_bytes()).expect("written");
    assert_eq!(Config::load(&path).expect("loads from the file"), plain);
}

#[test]
fn after_a_byte_order_mark_errors_keep_their_line_and_column() {
    let source = "Config(\n  idle_close: 5,\n)";
    let marked = format!("{BOM}{source}");
    assert_eq!(error(&marked), error(source));
    assert!(
        error("Config(nope: 1)").contains(":1:8:"),
        "{}",
        error("Config(nope: 1)")
    );
    assert_eq!(
        error(&format!("{BOM}Config(nope: 1)")),
        error("Config(nope: 1)")
    );
}

#[test]
fn the_operators_endpoint_and_the_log_format_are_read_and_checked() {
    use backup_help_bot::config::LogFormat;
    let config = Config::parse(
        r#"Config(http: (listen: Some("127.0.0.1:9477")), log_format: Json)"#,
        "c",
    )
    .expect("valid");
    let listen = config.http.listen.map(|l| l.0.to_string());
    assert_eq!(listen.as_deref(), Some("127.0.0.1:9477"));
    assert_eq!(config.log_format, LogFormat::Json);
    let off = Config::parse("Config()", "c").expect("valid");
    assert_eq!((off.http.listen, off.log_format), (None, LogFormat::Text));
    let text = error("Config(\n    http: (listen: Some(\"localhost\")),\n)");
    assert!(text.starts_with("config.ron:2:"), "{text}");
    assert!(
        text.contains("\"localhost\" is not an address to listen on"),
        "{text}"
    );
    let text = error("Config(log_format: Yaml)");
    assert!(text.contains("Yaml"), "{text}");
}

#[test]
fn the_bot_runs_on_one_thread_unless_told_otherwise_and_never_on_none() {
    let threads = |source: &str| Config::parse(source, "c").map(|c| c.threads.get());
    assert_eq!(threads("Config()").expect("valid"), 1);
    assert_eq!(threads("Config(threads: 4)").expect("valid"), 4);
    let text = error("Config(\n    threads: 0,\n)");
    assert!(
        text.starts_with("config.ron:2:") && text.contains("nonzero"),
        "{text}"
    );
}

#[test]
fn the_staff_channel_and_support_hours_are_read() {
    let source = r#"Config(
        discord: (staff_channel: Some(345678901234567890)),
        support_hours: Some((timezone: "Europe/Berlin", days: [Mon, Fri], from: "09:00", to: "17:30")),
    )"#;
    let config = Config::parse(source, "c").expect("valid");
    assert_eq!(
        config.discord.staff_channel.map(|c| c.get()),
        Some(345_678_901_234_567_890)
    );
    let hours = config.support_hours.expect("hours");
    assert_eq!(hours.timezone, "Europe/Berlin");
    assert_eq!(hours.to.to_string(), "17:30");
    assert_eq!(
        Config::parse("Config()", "c").expect("valid").support_hours,
        None
    );
}

#[test]
fn bad_support_hours_are_errors_naming_file_and_line() {
    let hours = |inner: &str| {
        format!("Config(\n    idle_close: \"40m\",\n    support_hours: Some(({inner})),\n)")
    };
    let good = r#"timezone: "Europe/Berlin", days: [Mon], from: "09:00", to: "17:00""#;
    assert!(Config::parse(&hours(good), "config.ron").is_ok());
    for (bad, wanted) in [
        (
            good.replace("Europe/Berlin", "Europe/Atlantis"),
            "not an IANA time zone",
        ),
        (good.replace("[Mon]", "[]"), "`days` is empty"),
        (
            good.replace("\"09:00\"", "\"17:00\""),
            "must be earlier than `to`",
        ),
        (
            good.replace("\"17:00\"", "\"08:00\""),
            "must be earlier than `to`",
        ),
        (good.replace("\"09:00\"", "\"9am\""), "is not a time of day"),
        (
            good.replace("\"17:00\"", "\"24:00\""),
            "is not a time of day",
        ),
        (good.replace("[Mon]", "[Monday]"), "Monday"),
    ] {
        let text = error(&hours(&bad));
        assert!(text.starts_with("config.ron:3:"), "{bad}: {text}");
        assert!(text.contains(wanted), "{bad}: {text}");
    }
}
