//! `backup-help-bot doctor`: checks everything a deployment needs, one line each, and says
//! what to do about each that fails. Exit 0 when all pass, 1 otherwise.
//!
//! It only reads: the config and scripts, the store (pending migrations are reported, not
//! run), and Discord's REST API with the bot's token.

use std::fmt;
use std::path::Path;

use serenity::all::{
    ChannelType, GuildChannel, GuildId, Http, Member, PartialGuild, Permissions, UserId,
};

use crate::config::{Config, Token};
use crate::discord::opening::{missing_in_staff_channel, missing_permissions};
use crate::discord::COMMAND;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub ok: bool,
    pub what: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

impl Line {
    fn pass(what: impl Into<String>) -> Line {
        Line {
            ok: true,
            what: what.into(),
            fix: None,
        }
    }

    fn fail(what: impl Into<String>, fix: impl Into<String>) -> Line {
        Line {
            ok: false,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", if self.ok { "✓" } else { "✗" }, self.what)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n    → {fix}")?;
        }
        Ok(())
    }
}

/// The Message Content intent, enabled for the application (either kind).
const MESSAGE_CONTENT_FLAGS: u64 = (1 << 18) | (1 << 19);

/// Runs every check that can run: a failure that leaves nothing to check further (no
/// config, a refused token) ends the list there.
pub async fn run(config_path: &Path) -> Vec<Line> {
    let mut lines = Vec::new();
    let config = match Config::load(config_path) {
        Ok(config) => {
            lines.push(Line::pass(format!(
                "config {} is valid",
                config_path.display()
            )));
            config
        }
        Err(err) => {
            let fix = "fix the config (see config.example.ron), or pass --config FILE";
            lines.push(Line::fail(format!("config: {err}"), fix));
            return lines;
        }
    };
    lines.push(scripts(&config));
    lines.push(store(&config).await);
    let token = match Token::from_env() {
        Ok(token) => token,
        Err(err) => {
            let fix = "put the bot token in DISCORD_TOKEN (Developer Portal → Bot → Reset Token)";
            lines.push(Line::fail(format!("{err}"), fix));
            return lines;
        }
    };
    let http = crate::discord::http(&config, &token);
    let me = match http.get_current_user().await {
        Ok(me) => {
            lines.push(Line::pass(format!(
                "token accepted: the bot is {} ({})",
                me.name, me.id
            )));
            me
        }
        Err(err) => {
            let fix = "reset the token in the Developer Portal (Bot → Reset Token) and put the \
                       new one in DISCORD_TOKEN";
            lines.push(Line::fail(format!("Discord refused the token: {err}"), fix));
            return lines;
        }
    };
    lines.push(message_content(&http).await);
    if config.discord.guilds.is_empty() {
        lines.push(Line::pass(
            "no `guilds` in the config: /backup-help is registered globally, so no server is \
             checked (list your server ids in `guilds` to check them)",
        ));
    }
    for guild in &config.discord.guilds {
        let guild = GuildId::new(guild.get());
        lines.extend(guild_checks(&http, &config, guild, me.id).await);
    }
    if let Some(staff) = config.discord.staff_channel {
        let checked = format!("`staff_channel` {staff}");
        if !lines.iter().any(|l| l.what.starts_with(&checked)) {
            lines.push(Line::fail(
                format!("{checked} is not a text channel of the servers in `guilds`"),
                "copy the staff channel's id (right-click it → Copy Channel ID) into                  `staff_channel`, or set it to None",
            ));
        }
    }
    lines
}

fn scripts(config: &Config) -> Line {
    match crate::script::load_dir(&config.responses, &config.default_locale) {
        Ok(scripts) => {
            let locales: Vec<&str> = scripts.iter().map(|s| s.locale.as_str()).collect();
            Line::pass(format!(
                "{} script(s) in {} are valid: {}",
                scripts.len(),
                config.responses.display(),
                locales.join(", ")
            ))
        }
        Err(err) => {
            let first = err.to_string();
            let first = first.lines().take(4).collect::<Vec<_>>().join("\n      ");
            Line::fail(
                format!("scripts: {first}"),
                format!(
                    "run `backup-help-bot check --responses {}` for the whole list",
                    config.responses.display()
                ),
            )
        }
    }
}

async fn store(config: &Config) -> Line {
    match crate::store::inspect(&config.storage).await {
        Ok(schema) => match schema.open {
            Some(open) => Line::pass(format!(
                "store reachable and migrated ({open} walkthrough(s) open)"
            )),
            None => Line::fail(
                format!(
                    "store reachable, {} migration(s) pending: {}",
                    schema.pending.len(),
                    schema.pending.join(", ")
                ),
                "they run when the bot starts (`run`); back the database up first",
            ),
        },
        Err(err) => Line::fail(
            format!("store: {err}"),
            "check `storage` in the config (and the database URL's environment variable), \
             and that the database is up and the bot's user may read it",
        ),
    }
}

/// Also tells `http` the application's id, which listing its commands needs.
async fn message_content(http: &Http) -> Line {
    match http.get_current_application_info().await {
        Ok(app) => {
            http.set_application_id(app.id);
            let flags = app.flags.map_or(0, |f| f.bits());
            if flags & MESSAGE_CONTENT_FLAGS != 0 {
                Line::pass("the Message Content intent is enabled: people can type answers")
            } else {
                Line::fail(
                    "the Message Content intent is off: people can only press buttons",
                    "Developer Portal → your application → Bot → Privileged Gateway Intents → \
                     Message Content Intent",
                )
            }
        }
        Err(err) => Line::fail(
            format!("cannot read the application: {err}"),
            "check the token belongs to a bot application",
        ),
    }
}

async fn guild_checks(http: &Http, config: &Config, guild: GuildId, me: UserId) -> Vec<Line> {
    let mut lines = Vec::new();
    let (server, member) = match (
        http.get_guild(guild).await,
        http.get_member(guild, me).await,
    ) {
        (Ok(server), Ok(member)) => {
            lines.push(Line::pass(format!(
                "server {guild} ({}): the bot is a member",
                server.name
            )));
            (server, member)
        }
        (Err(err), _) | (_, Err(err)) => {
            lines.push(Line::fail(
                format!("server {guild}: the bot is not a member ({err})"),
                "invite it with the URL from `backup-help-bot invite`, or remove the id from \
                 `guilds`",
            ));
            return lines;
        }
    };
    lines.push(match http.get_guild_commands(guild).await {
        Ok(commands) if commands.iter().any(|c| c.name == COMMAND) => {
            Line::pass(format!("server {guild}: /{COMMAND} is registered"))
        }
        Ok(_) => Line::fail(
            format!("server {guild}: /{COMMAND} is not registered"),
            "start the bot once with this config: it registers the command when it connects",
        ),
        Err(err) => Line::fail(
            format!("server {guild}: cannot list its commands: {err}"),
            "invite the bot with the applications.commands scope (`backup-help-bot invite`)",
        ),
    });
    lines.extend(roles(config, &server));
    match http.get_channels(guild).await {
        Ok(channels) => lines.extend(channel_checks(config, &server, &member, &channels)),
        Err(err) => lines.push(Line::fail(
            format!("server {guild}: cannot list its channels: {err}"),
            "give the bot View Channel in the server",
        )),
    }
    lines
}

fn roles(config: &Config, server: &PartialGuild) -> Vec<Line> {
    let discord = &config.discord;
    let named = discord
        .support_role
        .iter()
        .map(|r| ("support_role", *r))
        .chain(discord.staff_roles.iter().map(|r| ("staff_roles", *r)));
    named
        .map(|(key, role)| {
            let id = serenity::all::RoleId::new(role.get());
            match server.roles.get(&id) {
                Some(found) => Line::pass(format!(
                    "server {}: `{key}` {role} is the role \"{}\"",
                    server.id, found.name
                )),
                None => Line::fail(
                    format!("server {}: `{key}` {role} is not a role there", server.id),
                    "copy the role's id (Server Settings → Roles → ⋯ → Copy Role ID) into the \
                     config",
                ),
            }
        })
        .collect()
}

/// The staff channel must take the hand-offs' cards.
fn staff_channel(channel: &GuildChannel, have: Permissions) -> Line {
    let what = format!("`staff_channel` {} (#{})", channel.id, channel.name);
    let missing = missing_in_staff_channel(have);
    if missing.is_empty() {
        Line::pass(format!("{what}: the bot can post the staff cards"))
    } else {
        Line::fail(
            format!("{what}: the bot lacks {}", missing.join(", ")),
            format!(
                "allow them for the bot's role in #{} → Edit Channel → Permissions",
                channel.name
            ),
        )
    }
}

/// Every text channel the bot can see must let it open and run a walkthrough.
fn channel_checks(
    config: &Config,
    server: &PartialGuild,
    member: &Member,
    channels: &[GuildChannel],
) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut usable = 0;
    for channel in channels.iter().filter(|c| c.kind == ChannelType::Text) {
        let have = server.user_permissions_in(channel, member);
        if config
            .discord
            .staff_channel
            .is_some_and(|s| s.get() == channel.id.get())
        {
            lines.push(staff_channel(channel, have));
            continue;
        }
        if !have.contains(Permissions::VIEW_CHANNEL) && !have.contains(Permissions::ADMINISTRATOR) {
            continue; // Not meant for the bot: /backup-help is not offered to it there.
        }
        let missing = missing_permissions(have, config.discord.thread);
        if missing.is_empty() {
            usable += 1;
            lines.push(Line::pass(format!(
                "#{}: the bot has every permission it needs",
                channel.name
            )));
        } else {
            lines.push(Line::fail(
                format!("#{}: the bot lacks {}", channel.name, missing.join(", ")),
                format!(
                    "allow them for the bot's role in #{} → Edit Channel → Permissions (or in \
                     the server's role settings)",
                    channel.name
                ),
            ));
        }
    }
    if usable == 0 && lines.is_empty() {
        lines.push(Line::fail(
            format!("server {}: the bot can see no text channel", server.id),
            "give the bot View Channel in the channel where people should use /backup-help",
        ));
    }
    lines
}
