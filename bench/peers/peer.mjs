// The hello world a team would write with Discord's own Node library: express, with
// discord-interactions' `verifyKeyMiddleware` (which checks the signature and answers PING),
// one process. bench/run.sh measures it beside backline; install with bench/install.sh.
import express from "express";
import { InteractionResponseType, InteractionType, verifyKeyMiddleware } from "discord-interactions";

const app = express();
app.post("/interactions", verifyKeyMiddleware(process.env.DISCORD_PUBLIC_KEY), (req, res) => {
  if (req.body.type === InteractionType.APPLICATION_COMMAND) {
    res.json({ type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, data: { content: "Hello, world" } });
  } else {
    res.json({ type: InteractionResponseType.PONG });
  }
});
const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
