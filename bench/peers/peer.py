"""The hello world a team would write with Discord's own Python library: Flask, with
discord-interactions' `verify_key_decorator` (which checks the signature and answers PING),
served by gunicorn. bench/run.sh measures it beside backline; install with bench/install.sh.
"""

import os

from discord_interactions import InteractionResponseType, InteractionType, verify_key_decorator
from flask import Flask, jsonify, request

app = Flask(__name__)
PUBLIC_KEY = os.environ["DISCORD_PUBLIC_KEY"]


@app.route("/interactions", methods=["POST"])
@verify_key_decorator(PUBLIC_KEY)
def interactions():
    if request.json["type"] == InteractionType.APPLICATION_COMMAND:
        return jsonify(
            {
                "type": InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
                "data": {"content": "Hello, world"},
            }
        )
    return jsonify({"type": InteractionResponseType.PONG})
