//! The floor: the least a serenity bot can do, acknowledge each interaction, so our bot's
//! figures can be read as a ratio on this shared, noisy machine.

use serenity::all::{
    ClientBuilder, Context, CreateInteractionResponse, EventHandler, GatewayIntents, HttpBuilder,
    Interaction,
};
use serenity::async_trait;

struct Acknowledge;

#[async_trait]
impl EventHandler for Acknowledge {
    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(click) => {
                let _ = click
                    .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                    .await;
            }
            Interaction::Command(command) => {
                let _ = command.defer_ephemeral(&ctx.http).await;
            }
            _ => {}
        }
    }
}

/// Runs the floor bot against `url` until killed.
pub fn run(url: &str, token: &str) {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("floor bot: no runtime");
        return;
    };
    runtime.block_on(async {
        let http = HttpBuilder::new(token)
            .proxy(url)
            .ratelimiter_disabled(true)
            .build();
        let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
        match ClientBuilder::new_with_http(http, intents)
            .event_handler(Acknowledge)
            .await
        {
            Ok(mut client) => {
                if let Err(err) = client.start().await {
                    eprintln!("floor bot: {err}");
                }
            }
            Err(err) => eprintln!("floor bot: {err}"),
        }
    });
}
