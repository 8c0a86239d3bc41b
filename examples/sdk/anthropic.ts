import Anthropic from "@anthropic-ai/sdk";
import { guard } from "policygate";

const anthropic = guard(new Anthropic(), { policy: "policygate.yaml", integration: "support-bot" });

const message = await anthropic.messages.create({
  model: "claude-sonnet-4-6",
  max_tokens: 300,
  messages: [{ role: "user", content: "Customer jane.okafor@brightwater.example asks about invoice 42" }],
});
// The model saw [EMAIL_1], never the address; the call is in the audit log.
console.log(message.content[0]?.type === "text" ? message.content[0].text : "");
