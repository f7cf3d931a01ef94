//! Discord ids as types of their own: a thread id cannot be passed where a guild id is
//! expected, and none of them can be 0.
//!
//! Discord never hands out 0 (a snowflake is a timestamp since 2015), so a 0 in the config or
//! a stored row is a mistake to report, not a value to paper over. Ids are read from RON and
//! the store as plain numbers; reading a 0 fails with a message saying so.

use std::fmt;
use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! discord_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(NonZeroU64);

        impl $name {
            /// `None` for 0, which no Discord object has.
            pub const fn new(id: u64) -> Option<$name> {
                match NonZeroU64::new(id) {
                    Some(id) => Some($name(id)),
                    None => None,
                }
            }

            pub const fn get(self) -> u64 {
                self.0.get()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let id = u64::deserialize(deserializer)?;
                $name::new(id).ok_or_else(|| {
                    serde::de::Error::custom(concat!(
                        "a ", $what, " id cannot be 0: copy the id from Discord ",
                        "(Developer Mode → right-click → Copy ID)"
                    ))
                })
            }
        }
    };
}

discord_id!(
    /// A Discord server.
    GuildId,
    "server"
);
discord_id!(
    /// A channel; walkthroughs live in threads, which are channels.
    ThreadId,
    "thread"
);
discord_id!(
    /// A text channel, such as the support team's staff channel.
    ChannelId,
    "channel"
);
discord_id!(
    /// A message, such as the one showing a step.
    MessageId,
    "message"
);
discord_id!(
    /// An interaction (a click), whose own response can carry the message it leads to.
    InteractionId,
    "interaction"
);
discord_id!(
    /// A role, such as the support team's.
    RoleId,
    "role"
);
discord_id!(
    /// A person (or the bot).
    UserId,
    "user"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_no_id_and_others_round_trip() {
        assert_eq!(GuildId::new(0), None);
        let guild = GuildId::new(42).expect("42 is an id");
        assert_eq!(guild.get(), 42);
        assert_eq!(guild.to_string(), "42");
        assert_eq!(format!("{guild:?}"), "GuildId(42)");
        assert_eq!(serde_json::to_string(&guild).ok().as_deref(), Some("42"));
        let back: Result<GuildId, _> = serde_json::from_str("42");
        assert_eq!(back.ok(), Some(guild));
    }

    #[test]
    fn reading_a_zero_says_what_is_wrong() {
        let err = serde_json::from_str::<RoleId>("0").expect_err("0 is refused");
        assert!(err.to_string().contains("role id cannot be 0"), "{err}");
    }
}
