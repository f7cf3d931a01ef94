//! Everything that parses outside input, fed random mutations: the script loader (of the
//! shipped script) and the config loader (of the example config). Zero panics; every
//! failure is an error that says where. Bounded: a fixed number of cases per run.

mod common;

use proptest::prelude::*;

use backup_help_bot::config::Config;
use backup_help_bot::script::{load_str, LoadError};

/// One edit of a text, by character positions (so the text stays valid UTF-8).
#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    Duplicate { at: usize, len: usize },
    Replace { at: usize, with: char },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0usize..40_000;
    prop_oneof![
        (at.clone(), 1usize..200).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at.clone(), "[(),:\"\\[\\]a-z0-9 \n{}]{1,12}|.{1,4}")
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
        (at.clone(), 1usize..400).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (at, any::<char>()).prop_map(|(at, with)| Mutation::Replace { at, with }),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let n = chars.len().max(1);
        match m {
            Mutation::Delete { at, len } => {
                let start = at % n;
                let end = (start + len).min(chars.len());
                chars.drain(start..end);
            }
            Mutation::Insert { at, text } => {
                let start = (at % n).min(chars.len());
                chars.splice(start..start, text.chars());
            }
            Mutation::Duplicate { at, len } => {
                let start = at % n;
                let end = (start + len).min(chars.len());
                let copy: Vec<char> = chars[start..end].to_vec();
                chars.splice(end..end, copy);
            }
            Mutation::Replace { at, with } => {
                if !chars.is_empty() {
                    let i = at % chars.len();
                    chars[i] = *with;
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn shipped_script() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| common::read(&common::root().join("responses/en.ron")))
}

fn example_config() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| common::read(&common::root().join("config.example.ron")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_mutated_script_loads_or_says_where_it_is_wrong(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let text = apply(shipped_script(), &mutations);
        let lines = text.lines().count().max(1);
        match load_str(&text, "en.ron", Some("en")) {
            Ok(script) => prop_assert!(!script.steps.is_empty()),
            Err(LoadError::Invalid(problems)) => {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(!p.message.is_empty(), "{p:?}");
                    prop_assert!(p.to_string().starts_with("en.ron"), "{p}");
                    if let Some(line) = p.line {
                        prop_assert!((1..=lines + 1).contains(&line), "line {line} of {lines}: {p}");
                    }
                }
            }
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }

    #[test]
    fn a_mutated_config_loads_or_says_where_it_is_wrong(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let text = apply(example_config(), &mutations);
        if let Err(err) = Config::parse(&text, "config.ron") {
            let shown = err.to_string();
            prop_assert!(shown.starts_with("config.ron:"), "{shown}");
        }
    }

    #[test]
    fn any_text_as_a_config_or_script_never_panics(text in ".{0,300}") {
        let _ = Config::parse(&text, "config.ron");
        let _ = load_str(&text, "en.ron", Some("en"));
    }
}
