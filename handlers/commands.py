"""Slash command listeners: parse, call a service, render, answer in the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from blocks.hiring import help_blocks, kits_blocks, roles_blocks, usage_error_blocks
from bot.commands import HIRING
from bot.roles import list_roles
from bot.services import Services
from handlers.respond import guarded


def register(app: App, services: Services) -> None:
    @app.command(HIRING.name)
    @guarded
    def hiring(ack: Ack, command: dict[str, Any]) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub == "help":
            ack(text="Interview coordinator help", blocks=help_blocks())
        elif sub == "roles":
            with services.db.read() as session:
                summaries = list_roles(session, services.kits)
            ack(text=f"{len(summaries)} open roles", blocks=roles_blocks(summaries))
        elif sub == "kits":
            ack(text=f"{len(services.kits.kits)} interview kits", blocks=kits_blocks(services.kits))
        else:
            problem = f"`{HIRING.name} {words[0]}` is not a command I know."
            ack(text=problem, blocks=usage_error_blocks(problem, HIRING))
