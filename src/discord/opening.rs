//! Decisions made before a thread is opened, pulled out of the handler so they can be tested:
//! the permissions the bot needs, and the thread's name.

use serenity::all::Permissions;

use crate::config::ThreadKind;

/// Discord's limit for a channel or thread name.
pub const THREAD_NAME_MAX: usize = 100;

/// A permission the bot uses in the channels where people run `/backup-help`.
#[derive(Debug, Clone, Copy)]
pub struct Needed {
    pub permission: Permissions,
    /// As Discord's server settings name it.
    pub name: &'static str,
    /// Needed only with this kind of thread; `None` = always.
    pub only_for: Option<ThreadKind>,
    /// What it is for, in `doctor`'s and the README's words.
    pub why: &'static str,
}

/// Every permission the bot uses: the one list behind the invite's permission integer, the
/// check at `/backup-help` and `doctor`'s check of every channel.
pub const PERMISSIONS: [Needed; 8] = [
    Needed {
        permission: Permissions::VIEW_CHANNEL,
        name: "View Channel",
        only_for: None,
        why: "see the channel where /backup-help is used, and its threads",
    },
    Needed {
        permission: Permissions::SEND_MESSAGES,
        name: "Send Messages",
        only_for: None,
        why: "write in the channel the threads open from",
    },
    Needed {
        permission: Permissions::SEND_MESSAGES_IN_THREADS,
        name: "Send Messages in Threads",
        only_for: None,
        why: "post the steps in the thread and add the person to it",
    },
    Needed {
        permission: Permissions::CREATE_PRIVATE_THREADS,
        name: "Create Private Threads",
        only_for: Some(ThreadKind::Private),
        why: "open a private thread for each person (thread: Private)",
    },
    Needed {
        permission: Permissions::CREATE_PUBLIC_THREADS,
        name: "Create Public Threads",
        only_for: Some(ThreadKind::Public),
        why: "open a public thread for each person (thread: Public)",
    },
    Needed {
        permission: Permissions::MANAGE_THREADS,
        name: "Manage Threads",
        only_for: None,
        why: "archive a walkthrough's thread when it ends, and unarchive it to post",
    },
    Needed {
        permission: Permissions::EMBED_LINKS,
        name: "Embed Links",
        only_for: None,
        why: "show each step as an embed with its links",
    },
    Needed {
        permission: Permissions::READ_MESSAGE_HISTORY,
        name: "Read Message History",
        only_for: None,
        why: "read the thread's earlier messages, whose buttons it updates",
    },
];

/// What the bot needs in the staff channel (`staff_channel`), where hand-offs get a card.
pub const STAFF_CHANNEL_PERMISSIONS: [Needed; 4] = [
    Needed {
        permission: Permissions::VIEW_CHANNEL,
        name: "View Channel",
        only_for: None,
        why: "see the staff channel",
    },
    Needed {
        permission: Permissions::SEND_MESSAGES,
        name: "Send Messages",
        only_for: None,
        why: "post a card there for every hand-off",
    },
    Needed {
        permission: Permissions::EMBED_LINKS,
        name: "Embed Links",
        only_for: None,
        why: "show the card as an embed",
    },
    Needed {
        permission: Permissions::ATTACH_FILES,
        name: "Attach Files",
        only_for: None,
        why: "attach the transcript to the card when the case is closed",
    },
];

/// What the invite link asks for: every permission in [`PERMISSIONS`], for either kind of
/// thread, so the operator can switch kinds without inviting the bot again, and those of
/// the staff channel.
pub const INVITE_PERMISSIONS: Permissions = {
    let mut all = Permissions::empty();
    let mut i = 0;
    while i < PERMISSIONS.len() {
        all = all.union(PERMISSIONS[i].permission);
        i += 1;
    }
    let mut i = 0;
    while i < STAFF_CHANNEL_PERMISSIONS.len() {
        all = all.union(STAFF_CHANNEL_PERMISSIONS[i].permission);
        i += 1;
    }
    all
};

/// The permissions the bot lacks in the staff channel. Empty when all is well.
pub fn missing_in_staff_channel(have: Permissions) -> Vec<&'static str> {
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    STAFF_CHANNEL_PERMISSIONS
        .iter()
        .filter(|n| !have.contains(n.permission))
        .map(|n| n.name)
        .collect()
}

/// The names of `permissions` as Discord's server settings show them, in the order of the
/// tables above, joined by commas: how a refusal says what to grant.
pub fn permission_names(permissions: Permissions) -> String {
    let mut names: Vec<&str> = Vec::new();
    for needed in PERMISSIONS.iter().chain(&STAFF_CHANNEL_PERMISSIONS) {
        if permissions.contains(needed.permission) && !names.contains(&needed.name) {
            names.push(needed.name);
        }
    }
    names.join(", ")
}

/// The invite URL for the application `application_id`.
pub fn invite_url(application_id: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}\
         &scope=bot%20applications.commands&permissions={}",
        INVITE_PERMISSIONS.bits()
    )
}

/// The permissions the bot needs for `thread`, in [`PERMISSIONS`]' order.
pub fn needed_for(thread: ThreadKind) -> impl Iterator<Item = &'static Needed> {
    PERMISSIONS
        .iter()
        .filter(move |n| n.only_for.is_none_or(|kind| kind == thread))
}

/// The permissions the bot lacks in the channel to open a walkthrough there, named as
/// Discord's server settings name them. Empty when all is well.
pub fn missing_permissions(have: Permissions, thread: ThreadKind) -> Vec<&'static str> {
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    needed_for(thread)
        .filter(|n| !have.contains(n.permission))
        .map(|n| n.name)
        .collect()
}

/// "Backup help: <name>", on one line and at most 100 characters.
pub fn thread_name(prefix: &str, person: &str) -> String {
    let clean = |text: &str| -> String {
        text.split(char::is_control)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let person = clean(person);
    let person = if person.is_empty() {
        "someone".to_string()
    } else {
        person
    };
    let name = format!("{}: {person}", clean(prefix));
    name.chars().take(THREAD_NAME_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_asks_for_the_permissions_of_the_list() {
        assert_eq!(INVITE_PERMISSIONS.bits(), 395_137_108_992);
        let url = invite_url(42);
        assert!(url.ends_with("&permissions=395137108992"), "{url}");
        assert!(
            url.contains("client_id=42&scope=bot%20applications.commands"),
            "{url}"
        );
    }

    #[test]
    fn missing_permissions_are_named() {
        let all = INVITE_PERMISSIONS;
        assert!(missing_permissions(all, ThreadKind::Private).is_empty());
        let without = all - Permissions::CREATE_PRIVATE_THREADS - Permissions::EMBED_LINKS;
        assert_eq!(
            missing_permissions(without, ThreadKind::Private),
            ["Create Private Threads", "Embed Links"]
        );
        // A public thread needs the public permission instead.
        assert!(
            missing_permissions(without | Permissions::EMBED_LINKS, ThreadKind::Public).is_empty()
        );
        assert!(missing_permissions(Permissions::ADMINISTRATOR, ThreadKind::Private).is_empty());
        assert_eq!(
            missing_permissions(Permissions::empty(), ThreadKind::Private).len(),
            7,
            "every permission but the public-thread one"
        );
    }

    #[test]
    fn thread_names_are_one_line_and_fit() {
        assert_eq!(thread_name("Backup help", "Ada"), "Backup help: Ada");
        assert_eq!(
            thread_name("Backup help", " A\nda\u{0}  L "),
            "Backup help: A da L"
        );
        assert_eq!(thread_name("Backup help", "  "), "Backup help: someone");
        let long = thread_name("Backup help", &"é".repeat(300));
        assert_eq!(long.chars().count(), THREAD_NAME_MAX);
    }
}
