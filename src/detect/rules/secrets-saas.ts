import type { DetectorSpec } from "../types.js";
import { base64Json, contextual, decodeBase64, prefixed } from "./secret-checks.js";

/** Credentials for messaging, payments, commerce, chat and maps services. All Restricted. */
export const SAAS_SECRET_DETECTORS: DetectorSpec[] = [
  // --- Slack -----------------------------------------------------------------------------------
  prefixed({
    id: "slack-token",
    title: "Slack bot, user, workspace, refresh and config tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-)",
    kind: "token",
    keywords: ["xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-", "xoxe."],
    pattern: /(?<![A-Za-z0-9_-])xox(?:[abprs]|e(?:\.xox[bp])?)-\d{1,20}-[A-Za-z0-9-]{8,250}(?![A-Za-z0-9_-])/,
    maxLength: 290,
  }),
  prefixed({
    id: "slack-app-token",
    title: "Slack app-level tokens (xapp-)",
    kind: "token",
    keywords: ["xapp-"],
    pattern: /(?<![A-Za-z0-9_-])xapp-\d-[A-Z0-9]{9,12}-\d{10,16}-[a-f0-9]{30,64}(?![A-Za-z0-9_-])/,
    maxLength: 110,
  }),
  prefixed({
    id: "slack-webhook-url",
    title: "Slack incoming webhook and workflow trigger URLs (hooks.slack.com/services/…)",
    kind: "webhook_url",
    keywords: ["hooks.slack.com/"],
    pattern:
      /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_-]{6,40}\/[A-Za-z0-9_-]{6,40}\/[A-Za-z0-9_/-]{8,120}(?![A-Za-z0-9_-])/,
    maxLength: 230,
  }),

  // --- Payments and commerce -------------------------------------------------------------------
  prefixed({
    id: "stripe-secret-key",
    title: "Stripe secret and restricted keys, live and test (sk_live_, sk_test_, rk_live_, rk_test_)",
    keywords: ["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
    pattern: /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{24,247}(?![A-Za-z0-9_])/,
    maxLength: 256,
  }),
  prefixed({
    id: "stripe-webhook-secret",
    title: "Stripe webhook signing secrets (whsec_)",
    keywords: ["whsec_"],
    pattern: /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{32,64}(?![A-Za-z0-9_+/=])/,
    maxLength: 70,
  }),
  prefixed({
    id: "square-access-token",
    title: "Square access tokens and OAuth secrets (sq0atp-, sq0csp-)",
    kind: "token",
    keywords: ["sq0atp-", "sq0csp-"],
    pattern: /(?<![A-Za-z0-9_-])(?:sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/,
    maxLength: 50,
  }),
  prefixed({
    id: "braintree-access-token",
    title: "PayPal Braintree access tokens (access_token$production$…)",
    kind: "token",
    keywords: ["access_token$"],
    pattern: /access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}(?![A-Za-z0-9])/,
    maxLength: 80,
  }),
  prefixed({
    id: "shopify-token",
    title: "Shopify access tokens and app secrets (shpat_, shpca_, shppa_, shpss_)",
    kind: "token",
    keywords: ["shpat_", "shpca_", "shppa_", "shpss_"],
    pattern: /(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}(?![A-Za-z0-9_])/,
    maxLength: 70,
  }),

  // --- Messaging and e-mail --------------------------------------------------------------------
  contextual({
    id: "twilio-api-key",
    title: "Twilio API key SIDs (SK + 32 hex) near the word Twilio",
    keywords: ["twilio"],
    before: 200,
    after: 200,
    pattern: /(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])/,
  }),
  contextual({
    id: "twilio-account-sid",
    title: "Twilio account SIDs (AC + 32 hex) near the word Twilio: half of a Twilio credential",
    kind: "credential",
    keywords: ["twilio"],
    before: 200,
    after: 200,
    pattern: /(?<![A-Za-z0-9])AC[0-9a-f]{32}(?![A-Za-z0-9])/,
    score: 0.75,
  }),
  contextual({
    id: "twilio-auth-token",
    title: "Twilio auth tokens (32 hex, named auth token or paired with an account SID) near the word Twilio",
    kind: "token",
    keywords: ["twilio"],
    before: 200,
    after: 200,
    pattern:
      /(?:auth[_-]?token["']?\s*[:=]\s*["']?|AC[0-9a-f]{32}["']?\s*[,:]\s*["']?)([0-9a-f]{32})(?![A-Za-z0-9])/i,
    group: 1,
    score: 0.9,
  }),
  prefixed({
    id: "sendgrid-api-key",
    title: "SendGrid API keys (SG.x.y)",
    keywords: ["sg."],
    pattern: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/,
    maxLength: 69,
  }),
  prefixed({
    id: "mailgun-api-key",
    title: "Mailgun API keys (key- + 32 hex)",
    keywords: ["key-"],
    pattern: /(?<![A-Za-z0-9_-])key-[0-9a-f]{32}(?![A-Za-z0-9_-])/,
    maxLength: 36,
    score: 0.9,
  }),
  {
    id: "mailchimp-api-key",
    family: "secret",
    kind: "api_key",
    class: "restricted",
    title: "Mailchimp API keys (32 hex + -us data centre)",
    trigger: { keywords: ["-us"], before: 33, after: 4 },
    pattern: /(?<![A-Za-z0-9])[0-9a-f]{32}-us\d{1,2}(?![A-Za-z0-9])/,
    score: 0.9,
  },
  prefixed({
    id: "discord-bot-token",
    title: "Discord bot tokens near the word Discord",
    kind: "token",
    keywords: ["discord"],
    pattern:
      /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])/,
    maxLength: 200,
    // The first part is the bot's user id in base64: digits only.
    validate: (v) => (/^\d{17,20}$/.test(decodeBase64(v.split(".")[0]!) ?? "") ? 0.95 : null),
  }),
  {
    id: "discord-webhook-url",
    family: "secret",
    kind: "webhook_url",
    class: "restricted",
    title: "Discord webhook URLs (discord.com/api/webhooks/…)",
    trigger: {
      keywords: ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
      before: 20,
      after: 120,
    },
    pattern:
      /(?:https?:\/\/)?(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,68}(?![A-Za-z0-9_-])/,
    score: 0.95,
  },
  prefixed({
    id: "telegram-bot-token",
    title: "Telegram bot tokens (bot id:AA…)",
    kind: "token",
    keywords: [":aa"],
    before: 14,
    // In API URLs the token follows "/bot" directly.
    pattern: /(?:(?<=\/bot)|(?<![A-Za-z0-9_:-]))\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/,
    maxLength: 40,
  }),

  // --- Other services ----------------------------------------------------------------------------
  prefixed({
    id: "mapbox-secret-token",
    title: "Mapbox secret access tokens (sk.eyJ…)",
    kind: "token",
    keywords: ["sk.eyj"],
    pattern: /(?<![A-Za-z0-9_.-])sk\.eyJ[A-Za-z0-9_-]{20,200}\.[A-Za-z0-9_-]{20,100}(?![A-Za-z0-9_-])/,
    maxLength: 310,
    rejectPlaceholders: false,
    validate: (v) => (base64Json(v.slice(3, v.lastIndexOf("."))) ? 0.95 : null),
  }),
  prefixed({
    id: "onepassword-service-token",
    title: "1Password service account tokens (ops_eyJ…)",
    kind: "token",
    keywords: ["ops_eyj"],
    pattern: /(?<![A-Za-z0-9_])ops_eyJ[A-Za-z0-9+/=_-]{100,2000}(?![A-Za-z0-9+/=_-])/,
    maxLength: 2010,
    rejectPlaceholders: false,
    // The body is base64 JSON; a real one decodes to an object that names its signing key.
    validate: (v) =>
      /^\{"\w+":/.test(decodeBase64(v.slice(4, 4 + 400).replace(/=+$/, "")) ?? "") ? 0.97 : null,
  }),
];
