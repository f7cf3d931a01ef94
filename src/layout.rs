//! Discord's limits for what a step renders into, and the texts measured against them: a
//! leaf, so the script validator measures exactly what the front-ends will send.

/// Discord's limits for what one step renders into.
pub mod limits {
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const EMBED_TOTAL: usize = 6000;
    pub const MESSAGE_CONTENT: usize = 2000;
    pub const BUTTON_LABEL: usize = 80;
    /// A slash command option's description.
    pub const OPTION_DESCRIPTION: usize = 100;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const ACTION_ROWS: usize = 5;
    /// Back, Start over and Talk to a human share one row under every step.
    pub const NAV_ROWS: usize = 1;
    pub const LINK_URL: usize = 512;
    /// A modal's title and a text input's label.
    pub const MODAL_TITLE: usize = 45;
    /// The embed footer: the person's place among the checks, then the script's name.
    pub const FOOTER: usize = EMBED_TITLE;
    /// The place among the checks ("Check 3 of 9", filled), and the name after it.
    pub const POSITION: usize = 64;
    pub const SCRIPT_NAME: usize = FOOTER - POSITION - FOOTER_SEPARATOR.len();
    /// Between the two parts of the footer.
    pub const FOOTER_SEPARATOR: &str = " · ";
    /// A slash command's description.
    pub const COMMAND_DESCRIPTION: usize = 100;

    // A step's embed is its title, description and footer, each checked on its own. Together
    // they stay inside Discord's total for an embed, so the total needs no check of its own.
    const _: () = assert!(EMBED_TITLE + EMBED_DESCRIPTION + FOOTER <= EMBED_TOTAL);
}

/// Length as Discord counts it (characters, not bytes).
pub fn len(text: &str) -> usize {
    text.chars().count()
}

/// The embed description of a step: explanation, numbered instructions, then the question
/// in bold. Markdown, as Discord renders it.
pub fn description(explanation: &str, instructions: &[String], question: &str) -> String {
    let mut out = String::with_capacity(explanation.len() + question.len() + 64);
    out.push_str(explanation.trim());
    if !instructions.is_empty() {
        out.push_str("\n\n");
        for (i, item) in instructions.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("{}. {}", i + 1, item.trim()));
        }
    }
    out.push_str("\n\n**");
    out.push_str(question.trim());
    out.push_str("**");
    out
}

/// How many action rows a step needs: its choices, its link buttons, and the navigation row.
pub fn rows_needed(choices: usize, links: usize) -> usize {
    choices.div_ceil(limits::BUTTONS_PER_ROW)
        + links.div_ceil(limits::BUTTONS_PER_ROW)
        + limits::NAV_ROWS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_numbers_instructions_and_bolds_the_question() {
        let text = description(
            "Why.",
            &["Open Settings.".to_string(), " Tap it. ".to_string()],
            "Did it work?",
        );
        assert_eq!(
            text,
            "Why.\n\n1. Open Settings.\n2. Tap it.\n\n**Did it work?**"
        );
    }

    #[test]
    fn description_without_instructions_has_no_empty_list() {
        assert_eq!(description("Why.", &[], "Q?"), "Why.\n\n**Q?**");
    }

    #[test]
    fn rows_count_choices_links_and_the_navigation_row() {
        assert_eq!(rows_needed(2, 0), 2);
        assert_eq!(rows_needed(5, 1), 3);
        assert_eq!(rows_needed(6, 6), 5);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(len("→é"), 2);
    }
}
