#!/usr/bin/env python3
"""The backup walkthrough as most authors would write it with discord.py 2.7, for the load
bench's comparison:

    python3 -m venv .venv && .venv/bin/pip install -r benches/load/requirements.txt
    LOAD_BOT=".venv/bin/python benches/load/discord_py_bot.py" cargo bench --bench load

It speaks the bench's protocol: `/backup-help` opens a private thread with the person in it
and posts the first step (an embed with three buttons, custom_ids `bh1:c:<step>:<n>`); the
second button, or typing "2", is "still failing" and posts the next step in the thread (a
click through the interaction's response, type 4). Each answer is saved in SQLite (WAL,
committed before the step is sent), as a careful author would; the steps are in the code.

Run by the bench as `<this> run --config <folder>/config.ron`: the database goes in that
folder, the token comes from DISCORD_TOKEN and the loopback Discord's address from the
config's `api_url`.
"""

import asyncio
import os
import re
import sqlite3
import sys

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

STEPS = [
    (
        f"Check {n + 1}",
        "Open Settings, tap your name, then iCloud, then iCloud Backup, and make sure Back "
        "Up This iPhone is on. Connect to Wi-Fi and to power, lock the screen, and leave "
        "the iPhone for a while; then look at Last successful backup under Back Up Now. "
        "If it still says the backup failed, tap Still failing below, or type 2.",
    )
    for n in range(40)
]
CHOICES = ["Fixed it", "Still failing", "Talk to a human"]


def embed(step: int) -> discord.Embed:
    title, text = STEPS[min(step, len(STEPS) - 1)]
    return discord.Embed(title=title, description=text, colour=0x3B82F6)


class Step(discord.ui.View):
    """The buttons under a step; their custom_ids say which step and which answer."""

    def __init__(self, step: int):
        super().__init__(timeout=None)
        for n, label in enumerate(CHOICES):
            button = discord.ui.Button(
                label=label,
                custom_id=f"bh1:c:{step}:{n}",
                style=discord.ButtonStyle.primary if n == 1 else discord.ButtonStyle.secondary,
            )
            button.callback = self.answered
            self.add_item(button)

    async def answered(self, interaction: discord.Interaction):
        custom_id = interaction.data.get("custom_id", "")
        choice = int(custom_id.rsplit(":", 1)[-1])
        step = interaction.client.advance(interaction.channel_id, interaction.user.id, choice)
        if step is None:
            await interaction.response.send_message("This is not your walkthrough.", ephemeral=True)
            return
        await interaction.response.send_message(embed=embed(step), view=Step(step))


class Bot(discord.Client):
    def __init__(self, db_path: str):
        intents = discord.Intents.default()
        intents.message_content = True
        # Nobody is pinged by what the bot says (the bench's Discord insists on saying so).
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.db = sqlite3.connect(db_path)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS walks (thread INTEGER PRIMARY KEY, person INTEGER, step INTEGER)"
        )
        self.db.commit()

    async def setup_hook(self):
        self.tree.add_command(backup_help)
        await self.tree.sync()

    def advance(self, thread: int, person: int, choice: int):
        """Saves the answer; the step to show next, or None if this is not their walkthrough."""
        row = self.db.execute("SELECT person, step FROM walks WHERE thread = ?", (thread,)).fetchone()
        if row is None or row[0] != person:
            return None
        step = row[1] + 1 if choice == 1 else row[1]
        self.db.execute("UPDATE walks SET step = ? WHERE thread = ?", (step, thread))
        self.db.commit()
        return step

    async def open_walkthrough(self, interaction: discord.Interaction):
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread = await interaction.channel.create_thread(
            name=f"Backup help: {interaction.user.display_name}",
            type=discord.ChannelType.private_thread,
            invitable=False,
        )
        await thread.add_user(interaction.user)
        self.db.execute("INSERT INTO walks VALUES (?, ?, 0)", (thread.id, interaction.user.id))
        self.db.commit()
        await thread.send(embed=embed(0), view=Step(0))
        await interaction.followup.send(f"Your walkthrough is in {thread.mention}", ephemeral=True)

    async def on_message(self, message: discord.Message):
        if message.author.bot or not isinstance(message.channel, discord.Thread):
            return
        choice = {"1": 0, "2": 1, "3": 2}.get(message.content.strip())
        if choice is None:
            return
        step = self.advance(message.channel.id, message.author.id, choice)
        if step is not None:
            await message.channel.send(embed=embed(step), view=Step(step))


@app_commands.command(name="backup-help", description="Get help with an iPhone that won't back up to iCloud")
async def backup_help(interaction: discord.Interaction):
    await interaction.client.open_walkthrough(interaction)


def main():
    args = sys.argv[1:]
    config = args[args.index("--config") + 1] if "--config" in args else "config.ron"
    with open(config) as f:
        api_url = re.search(r'api_url: Some\("([^"]+)"\)', f.read()).group(1)
    Route.BASE = api_url.rstrip("/") + "/api/v10"
    # discord.py connects to Discord's gateway by name, without asking /gateway/bot.
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(api_url.replace("http", "ws", 1).rstrip("/") + "/gateway")
    if os.environ.get("DPY_LOG"):
        discord.utils.setup_logging(level=int(os.environ["DPY_LOG"]))
    bot = Bot(os.path.join(os.path.dirname(os.path.abspath(config)), "discord_py.db"))
    asyncio.run(bot.start(os.environ["DISCORD_TOKEN"]))


if __name__ == "__main__":
    main()
