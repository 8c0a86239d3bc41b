import OpenAI from "openai";
import { guard } from "policygate";

const openai = guard(new OpenAI(), { policy: "policygate.yaml", integration: "docs-assistant" });

const reply = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Customer jane.okafor@brightwater.example asks about invoice 42" }],
});
// The model saw [EMAIL_1], never the address; the call is in the audit log.
console.log(reply.choices[0]?.message.content);
