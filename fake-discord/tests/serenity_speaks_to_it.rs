//! The fake against the real serenity client: every payload it emits must deserialize into
//! serenity's model types (serenity silently drops one that does not), and serenity's REST
//! calls must be answered as Discord would.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateThread, EditThread, GuildChannel,
    GuildId, Http, HttpBuilder, Interaction, Message as SMessage, Ready, UserId,
};

use fake_discord::world::{GUILD_ID, SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL, SUPPORT_CHANNEL};
use fake_discord::{payloads, FakeDiscord, Options};

const WAIT: Duration = Duration::from_secs(5);

async fn fake() -> FakeDiscord {
    FakeDiscord::start(Options::default())
        .await
        .expect("the fake starts")
}

fn http(fake: &FakeDiscord) -> Arc<Http> {
    let http = HttpBuilder::new(fake.token())
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .application_id(fake_discord::world::APP_ID.into())
        .build();
    Arc::new(http)
}

#[tokio::test]
async fn every_emitted_payload_deserializes_into_serenitys_types() {
    let fake = fake().await;
    fake.add_member(5000, "Ada", &[]);
    let thread_json = fake.world(|w| {
        let mut thread = w.channels[&SUPPORT_CHANNEL].clone();
        thread.kind = 12;
        thread.parent = Some(SUPPORT_CHANNEL);
        payloads::channel(&thread)
    });
    serde_json::from_value::<GuildChannel>(thread_json).expect("a thread");
    fake.add_guild(SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL);
    for shard in [[0, 1], [0, 2], [1, 2]] {
        let ready = fake.world(|w| payloads::ready(w, "s", "ws://x/gateway", shard));
        let ready = serde_json::from_value::<Ready>(ready).expect("READY");
        // Each shard hears of the guilds Discord routes to it: (id >> 22) % total.
        let guilds: Vec<u64> = ready.guilds.iter().map(|g| g.id.get()).collect();
        let expected: &[u64] = match shard {
            [0, 1] => &[GUILD_ID, SECOND_GUILD_ID],
            [0, 2] => &[GUILD_ID],
            _ => &[SECOND_GUILD_ID],
        };
        assert_eq!(guilds, expected, "shard {shard:?}");
    }
    for guild in [GUILD_ID, SECOND_GUILD_ID] {
        let presences = payloads::GUILD_PRESENCES;
        for intents in [0, presences] {
            let json = fake.world(|w| payloads::guild_create(w, guild, intents, 250));
            let parsed =
                serde_json::from_value::<serenity::all::Guild>(json).expect("GUILD_CREATE");
            assert_eq!(parsed.channels.len(), 1, "one support channel each");
            let everyone = fake.world(|w| w.users.len());
            assert_eq!(parsed.member_count, everyone as u64);
            let listed = if intents == 0 { 1 } else { everyone };
            assert_eq!(parsed.members.len(), listed, "intents {intents}");
        }
    }

    // Interactions and messages go through the event stream; catch them there.
    let mut events = subscribe(&fake);
    let typed = fake.type_message(5000, SUPPORT_CHANNEL, "hello");
    fake.slash_command(5000, SUPPORT_CHANNEL, "backup-help");
    fake.click(5000, typed, "bh1:s");
    let dm = fake.add_dm(5000);
    fake.slash_command(5000, dm, "backup-help");
    let mut seen = 0;
    while let Ok((name, _guild, data)) = events.try_recv() {
        match name.as_str() {
            "MESSAGE_CREATE" => {
                drop(serde_json::from_value::<SMessage>(data).expect("MESSAGE_CREATE"))
            }
            "INTERACTION_CREATE" => {
                let interaction = serde_json::from_value::<Interaction>(data.clone());
                assert!(interaction.is_ok(), "{interaction:?}\n{data:#}");
            }
            other => panic!("unexpected {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 4);
}

fn subscribe(fake: &FakeDiscord) -> tokio::sync::broadcast::Receiver<fake_discord::Dispatch> {
    fake.events()
}

#[tokio::test]
async fn serenitys_rest_calls_are_answered_and_checked() {
    let fake = fake().await;
    fake.add_member(5000, "Ada", &[]);
    let http = http(&fake);
    let gateway = http.get_gateway().await.expect("GET /gateway");
    assert!(
        gateway.url.starts_with("ws://127.0.0.1:"),
        "{}",
        gateway.url
    );

    let thread = ChannelId::new(SUPPORT_CHANNEL)
        .create_thread(
            &http,
            CreateThread::new("Backup help: Ada")
                .kind(ChannelType::PrivateThread)
                .invitable(false),
        )
        .await
        .expect("thread created");
    assert_eq!(thread.guild_id, GuildId::new(GUILD_ID));
    thread
        .id
        .add_thread_member(&http, UserId::new(5000))
        .await
        .expect("member added");
    let message = thread
        .id
        .send_message(
            &http,
            CreateMessage::new()
                .content("hi @everyone")
                .allowed_mentions(CreateAllowedMentions::new()),
        )
        .await
        .expect("message sent");
    assert_eq!(message.content, "hi @everyone");
    thread
        .id
        .edit_thread(&http, EditThread::new().archived(true))
        .await
        .expect("archived");
    // Posting in an archived thread is refused, as Discord does.
    let refused = thread
        .id
        .send_message(
            &http,
            CreateMessage::new()
                .content("x")
                .allowed_mentions(CreateAllowedMentions::new()),
        )
        .await;
    assert!(refused.is_err());
    let problems = fake.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("archived thread"));
    let pings = fake.world(|w| w.messages[&message.id.get()].pings.clone());
    assert!(
        pings.is_empty(),
        "allowed_mentions with nothing allowed pings nobody: {pings:?}"
    );
}

#[tokio::test]
async fn a_message_without_allowed_mentions_or_over_the_limit_is_a_violation() {
    let fake = fake().await;
    let http = http(&fake);
    let channel = ChannelId::new(SUPPORT_CHANNEL);
    channel
        .send_message(&http, CreateMessage::new().content("@everyone hi"))
        .await
        .expect("sent");
    let pings = fake.world(|w| w.messages.values().last().map(|m| m.pings.clone()));
    assert_eq!(pings, Some(vec!["everyone".to_string()]));
    let problems = fake.problems();
    assert!(
        problems.iter().any(|p| p.contains("allowed_mentions")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn interactions_must_be_answered_once_within_the_deadline() {
    let fake = fake().await;
    fake.add_member(5000, "Ada", &[]);
    let http = http(&fake);
    let id = fake.slash_command(5000, SUPPORT_CHANNEL, "backup-help");
    let token = fake.world(|w| w.interactions[&id].token.clone());
    let defer =
        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    let interaction = serenity::all::InteractionId::new(id);
    http.create_interaction_response(interaction, &token, &defer, Vec::new())
        .await
        .expect("first answer");
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
    let second = http
        .create_interaction_response(interaction, &token, &defer, Vec::new())
        .await;
    assert!(second.is_err(), "a second answer is refused (40060)");
    assert!(fake
        .problems()
        .iter()
        .any(|p| p.contains("second response")));
}

#[tokio::test]
async fn faults_are_injected_once_and_unknown_routes_recorded() {
    let fake = fake().await;
    let http = http(&fake);
    fake.fail_next("POST", "/messages", 500, 0, "Internal Server Error");
    let send = || {
        ChannelId::new(SUPPORT_CHANNEL).send_message(
            &http,
            CreateMessage::new()
                .content("x")
                .allowed_mentions(CreateAllowedMentions::new()),
        )
    };
    assert!(send().await.is_err(), "the fault applies");
    assert!(send().await.is_ok(), "once only");
    let unknown = http.get_guild_roles(GuildId::new(GUILD_ID)).await;
    assert!(unknown.is_err());
    assert!(fake
        .problems()
        .iter()
        .any(|p| p.starts_with("unknown route: GET")));
    fake.wait_until("nothing", WAIT, |_| true)
        .await
        .expect("immediate");
}

#[tokio::test]
async fn a_click_answered_with_a_message_says_which_and_the_thread_lists_it() {
    let fake = fake().await;
    fake.add_member(5000, "Ada", &[]);
    let http = http(&fake);
    let clicked = ChannelId::new(SUPPORT_CHANNEL)
        .send_message(
            &http,
            CreateMessage::new()
                .content("a step")
                .allowed_mentions(serenity::all::CreateAllowedMentions::new()),
        )
        .await
        .expect("posted");
    let click = fake.click(5000, clicked.id.get(), "bh1:s");
    let token = fake.world(|w| w.interactions[&click].token.clone());
    let body = serde_json::json!({"type": 4, "data": {"content": "the next step",
        "allowed_mentions": {"parse": []}}});
    let route = serenity::http::Route::InteractionResponse {
        interaction_id: serenity::all::InteractionId::new(click),
        token: &token,
    };
    let request = serenity::http::Request::new(route, serenity::http::LightMethod::Post)
        .body(serde_json::to_vec(&body).ok())
        .params(Some(vec![("with_response", "true".to_string())]));
    let response: serde_json::Value = http.fire(request).await.expect("answered");
    let made = response["resource"]["message"]["id"]
        .as_str()
        .map(str::to_string);
    assert!(made.is_some(), "{response:#}");
    assert_eq!(response["interaction"]["id"], click.to_string());
    // The message lists among the channel's newest, saying which interaction made it, and
    // reads as serenity's Message.
    let route = serenity::http::Route::ChannelMessages {
        channel_id: ChannelId::new(SUPPORT_CHANNEL),
    };
    let request = serenity::http::Request::new(route, serenity::http::LightMethod::Get)
        .params(Some(vec![("limit", "2".to_string())]));
    let listed: Vec<serde_json::Value> = http.fire(request).await.expect("listed");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"].as_str(), made.as_deref(), "newest first");
    assert_eq!(listed[0]["interaction_metadata"]["id"], click.to_string());
    assert_eq!(
        listed[0]["interaction_metadata"]["interacted_message_id"],
        clicked.id.to_string()
    );
    let parsed = serde_json::from_value::<SMessage>(listed[0].clone());
    assert!(parsed.is_ok(), "{parsed:?}");
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn a_distant_discord_takes_its_latency_per_request() {
    let fake = fake().await;
    let http = http(&fake);
    fake.set_rest_latency(std::time::Duration::from_millis(80));
    let started = std::time::Instant::now();
    http.get_gateway().await.expect("GET /gateway");
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(80),
        "one round trip: {took:?}"
    );
}

/// What discord.py sends, as Discord takes it: an interaction's response carries its token in
/// the path and no `Authorization` header, and asks for what it made with `with_response=1`.
#[tokio::test]
async fn an_interaction_response_needs_no_authorization_but_a_wrong_one_is_refused() {
    let fake = fake().await;
    fake.add_member(5000, "Ada", &[]);
    let id = fake.slash_command(5000, SUPPORT_CHANNEL, "backup-help");
    let token = fake.world(|w| w.interactions[&id].token.clone());
    let path = format!("/api/v10/interactions/{id}/{token}/callback?with_response=1");
    let body = r#"{"type":5,"data":{"flags":64}}"#;
    let (status, _) = raw_post(&fake, &path, Some("Bot wrong"), body).await;
    assert_eq!(
        status, 401,
        "a wrong token is refused even where none is needed"
    );
    assert!(fake.world(|w| w.interactions[&id].callbacks.is_empty()));
    let (status, answer) = raw_post(&fake, &path, None, body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.contains(r#""interaction""#),
        "with_response=1 asks for the response as with_response=true does: {answer}"
    );
    assert!(fake.world(|w| !w.interactions[&id].callbacks.is_empty()));
}

/// POSTs `body` to the fake over a plain connection, with `authorization` if any; the status
/// and the whole response.
async fn raw_post(
    fake: &FakeDiscord,
    path: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = fake.url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("the fake listens");
    let authorization = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("the fake answers in time")
        .expect("the answer is read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}
