//! Decisions made before a thread is opened, pulled out of the handler so they can be tested:
//! the permissions the bot needs, and the thread's name.

use serenity::all::Permissions;

use crate::config::ThreadKind;

/// Discord's limit for a channel or thread name.
pub const THREAD_NAME_MAX: usize = 100;

/// What the invite link asks for: enough to open threads, post steps with embeds and link
/// buttons, add the person, and archive or unarchive the thread.
pub const INVITE_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::SEND_MESSAGES_IN_THREADS)
    .union(Permissions::CREATE_PRIVATE_THREADS)
    .union(Permissions::CREATE_PUBLIC_THREADS)
    .union(Permissions::MANAGE_THREADS)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::READ_MESSAGE_HISTORY);

/// The permissions the bot lacks in the channel to open a walkthrough there, named as
/// Discord's server settings name them. Empty when all is well.
pub fn missing_permissions(have: Permissions, thread: ThreadKind) -> Vec<&'static str> {
    let create = match thread {
        ThreadKind::Private => (
            Permissions::CREATE_PRIVATE_THREADS,
            "Create Private Threads",
        ),
        ThreadKind::Public => (Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads"),
    };
    let needed = [
        (Permissions::VIEW_CHANNEL, "View Channel"),
        create,
        (
            Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
        ),
        (Permissions::EMBED_LINKS, "Embed Links"),
    ];
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    needed
        .into_iter()
        .filter(|(permission, _)| !have.contains(*permission))
        .map(|(_, name)| name)
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
    fn the_invite_asks_for_the_documented_permission_integer() {
        // README "Going live on Discord" quotes this number in the invite URL.
        assert_eq!(INVITE_PERMISSIONS.bits(), 395_137_076_224);
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
            4
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
