"""`interview-bot demo`: a whole hiring loop through a shipped kit, with no Slack account.

The real app (HTTP server, a temporary SQLite database, the dispatcher) runs against the
Slack stand-in that ships in this package. A recruiter, a hiring manager, two interviewers
and a candidate act through signed requests, as Slack would send them; time is simulated.
At the end the conversation is printed as each person saw it. This module runs the demo;
the cast and the steps they take are in :mod:`bot.devtools.demo_loop`.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.delivery.dispatcher import Dispatcher
from bot.devtools.demo_loop import CASEY, CAST, CHANNEL, INES, IVAN, MANAGER, RECRUITER, TIA, Loop, Person
from bot.devtools.slack_requests import SignedSlackClient
from bot.devtools.slack_standin import SlackStandIn
from bot.devtools.terminal import render_message
from bot.rules.clock import ManualClock
from bot.rules.errors import UserError
from bot.slack.client import dispatcher_client
from bot.wiring.app import build_app
from bot.wiring.server import HttpServer, WebApp
from bot.wiring.services import Services
from bot.wiring.settings import SHIPPED_KITS, Settings


class Demo:
    def __init__(self, kit_key: str, *, out: TextIO, progress: TextIO, color: bool) -> None:
        self.kit_key = kit_key
        self.out = out
        self.progress = progress
        self.color = color
        self.step = 0

    def say(self, text: str) -> None:
        """Progress on stderr: one line a step, overwritten in place on a terminal."""
        self.step += 1
        line = f"[{self.step:2d}] {text}"
        if self.progress.isatty():
            self.progress.write("\r\033[K" + line[:100])
        else:
            self.progress.write(line + "\n")
        self.progress.flush()

    def run(self, json_out: Path | None = None) -> int:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="interview-bot-demo-") as tmp, SlackStandIn() as slack:
            for person in CAST:
                slack.add_user(person.id, person.name.split()[0].lower(), real_name=person.name, tz=person.tz,
                               tz_offset=person.offset, is_restricted=person.guest)  # fmt: skip
            slack.add_channel(CHANNEL, "hiring-demo")
            secret = secrets.token_hex(16)
            settings = Settings(
                _env_file=None,
                slack_bot_token="xoxb-demo",
                slack_signing_secret=secret,
                slack_api_url=slack.url,
                database_url=f"sqlite:///{Path(tmp) / 'demo.db'}",
                kits_dir=SHIPPED_KITS,
                recruiters=RECRUITER.id,
            )
            clock = ManualClock(datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0))
            services = Services.from_settings(settings, clock=clock)
            kit = services.kits.get(self.kit_key)
            if kit is None:
                raise UserError(f"Unknown kit '{self.kit_key}'. Shipped kits: {', '.join(sorted(services.kits.kits))}.")
            services.db.upgrade()
            server = HttpServer(WebApp(build_app(services), services), host="127.0.0.1", port=0)
            server.start()
            client = SignedSlackClient(f"http://127.0.0.1:{server.port}", secret, trigger_ids=slack.trigger_id)
            # The stand-in enforces no posting limits and the clock is simulated: no need to space
            # each person's messages a real second apart.
            loop = Loop(
                self.say,
                services,
                slack,
                client,
                Dispatcher(services, dispatcher_client(settings), channel_interval=timedelta(0)),
                clock,
                kit,
            )
            try:
                loop.play()
            finally:
                client.close()
                server.stop()
                services.db.dispose()
            if self.progress.isatty():
                self.progress.write("\n")
            self.progress.write(f"Done in {time.monotonic() - started:.1f} s of real time.\n")
            self.transcript(slack, loop)
            if json_out is not None:
                traffic = [{"method": c.method, "args": c.args, "error": c.error} for c in slack.calls]
                json_out.write_text(json.dumps(traffic, indent=2, ensure_ascii=False))
                self.progress.write(f"Wrote {len(traffic)} Slack API calls to {json_out}\n")
        return 0

    def transcript(self, slack: SlackStandIn, loop: Loop) -> None:
        names = {p.id: p.name.split()[0] for p in CAST} | {CHANNEL: "hiring-demo", "U0BOT": "interview-bot"}
        write = self.out.write

        def section(title: str) -> None:
            bar = "━" * 88
            write(f"\n{bar}\n{title}\n{bar}\n")

        def show(messages: list[dict[str, Any]], reader: Person) -> None:
            for message in messages:
                lines = render_message(message, names, tz=ZoneInfo(reader.tz), color=self.color)
                write("\n" + "\n".join(f"  {line}" for line in lines) + "\n")

        section(f"#hiring-demo, the candidate's thread, as {RECRUITER.name} sees it (times in {RECRUITER.tz})")
        show(slack.thread(CHANNEL, loop.thread_ts), RECRUITER)
        for person in (INES, IVAN, TIA, MANAGER, RECRUITER, CASEY):
            section(f"Direct messages from interview-bot to {person.name} (times in {person.tz})")
            show(slack.dm_messages(person.id), person)
        for person in (RECRUITER, INES):
            home = slack.home(person.id)
            if home:
                section(f"App Home of {person.name}")
                show([home], person)
        write(f"\n{loop.summary}\n")


def run_demo(kit_key: str, json_out: Path | None) -> int:
    demo = Demo(kit_key, out=sys.stdout, progress=sys.stderr, color=sys.stdout.isatty())
    return demo.run(json_out)
