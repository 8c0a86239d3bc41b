import type { DetectorSpec, ValidateContext } from "../types.js";
import {
  base64Json,
  charClasses,
  contextual,
  pemBodyLength,
  prefixed,
  shannonEntropy,
} from "./secret-checks.js";

/** Credentials for cloud providers, hosting, infrastructure and observability services. All Restricted. */
export const CLOUD_SECRET_DETECTORS: DetectorSpec[] = [
  // --- AWS -------------------------------------------------------------------------------------
  prefixed({
    id: "aws-access-key-id",
    title: "AWS access key ids (AKIA…, ASIA… temporary, ABIA…, ACCA…)",
    keywords: ["akia", "asia", "abia", "acca"],
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/,
    maxLength: 20,
    score: 0.9,
  }),
  contextual({
    id: "aws-secret-access-key",
    title: "AWS secret access keys (40 characters, next to an AWS secret key name)",
    keywords: [
      "aws_secret",
      "aws-secret",
      "awssecret",
      "aws secret",
      "secret_access_key",
      "secretaccesskey",
      "secret-access-key",
      "secret access key",
    ],
    after: 100,
    pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/,
    score: 0.9,
    // Real keys are random base64: mixed case and digits. A 40-hex SHA-1 or a word run is not one.
    validate: (v) => (charClasses(v) >= 3 && shannonEntropy(v) >= 4 ? 0.9 : null),
  }),
  prefixed({
    id: "aws-session-token",
    title: "AWS temporary session tokens (IQoJb3JpZ2luX2Vj…, FwoGZXIvYXdz…)",
    kind: "token",
    keywords: ["iqojb3jpz2lux2vj", "fwogzxivyxdz", "fqogzxivyxdz"],
    pattern: /(?<![A-Za-z0-9/+])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+]{100,2500}={0,2}/,
    maxLength: 2520,
  }),

  // --- Google Cloud ----------------------------------------------------------------------------
  {
    id: "gcp-service-account-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: 'Google Cloud service account keys (the private_key of a "type": "service_account" JSON file)',
    trigger: { keywords: ["service_account"], before: 4000, after: 4000 },
    pattern: /\\?"private_key\\?"\s*:\s*\\?"(-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]{0,6000}?)\\?"/,
    group: 1,
    score: 0.97,
    rejectPlaceholders: false,
    validate: (v) => (pemBodyLength(v) >= 60 ? 0.97 : null),
  },
  prefixed({
    id: "google-api-key",
    title: "Google API keys, including Gemini / Google AI Studio and Firebase keys (AIza…)",
    keywords: ["aiza"],
    pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/,
    maxLength: 39,
    score: 0.9,
  }),
  prefixed({
    id: "google-oauth-client-secret",
    title: "Google OAuth client secrets (GOCSPX-)",
    keywords: ["gocspx-"],
    pattern: /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/,
    maxLength: 35,
  }),
  prefixed({
    id: "google-oauth-token",
    title: "Google OAuth access tokens (ya29.) and refresh tokens (1//0…)",
    kind: "token",
    keywords: ["ya29.", "1//0"],
    pattern:
      /(?<![A-Za-z0-9_-])(?:ya29\.[A-Za-z0-9_-]{30,2048}|1\/\/0[A-Za-z0-9_-]{40,512})(?![A-Za-z0-9_-])/,
    maxLength: 2053,
  }),

  // --- Azure -----------------------------------------------------------------------------------
  {
    id: "azure-storage-account-key",
    family: "secret",
    kind: "api_key",
    class: "restricted",
    title: "Azure Storage and Cosmos DB account keys (AccountKey=…, storage key settings)",
    trigger: {
      keywords: ["accountkey", "account_key", "storage_key", "storagekey", "storage-key", "account-key"],
      before: 40,
      after: 110,
    },
    pattern:
      /(?:AccountKey\s*=\s*|(?:storage|account)[_-]?(?:account[_-]?)?(?:access[_-]?)?key["']?\s*[:=]\s*["']?)([A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/i,
    group: 1,
    score: 0.95,
  },
  {
    id: "azure-shared-access-key",
    family: "secret",
    kind: "api_key",
    class: "restricted",
    title: "Azure Service Bus, Event Hubs and IoT Hub shared access keys (SharedAccessKey=…)",
    trigger: { keywords: ["sharedaccesskey="], before: 0, after: 80 },
    pattern: /SharedAccessKey=([A-Za-z0-9+/]{42,44}=?)(?![A-Za-z0-9+/=])/i,
    group: 1,
    score: 0.95,
  },
  {
    id: "azure-sas-token",
    family: "secret",
    kind: "token",
    class: "restricted",
    title: "Azure shared access signatures (sv=…&sig=… in URLs and SharedAccessSignature= settings)",
    trigger: { keywords: ["sig="], before: 1, after: 110 },
    pattern: /(?<=[?&;])sig=([A-Za-z0-9%+/]{30,100}(?:%3D|=){0,2})(?![A-Za-z0-9%+/=])/i,
    group: 1,
    score: 0.9,
    validate: (_v, ctx) => (isSasQuery(ctx) ? 0.92 : null),
  },
  prefixed({
    id: "azure-ad-client-secret",
    title: "Microsoft Entra ID (Azure AD) application client secrets (…Q~…)",
    kind: "password",
    keywords: ["q~"],
    before: 4,
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/,
    maxLength: 40,
    score: 0.9,
  }),
  {
    // Not secrets on their own, but the other half of every Entra ID sign-in (with a client secret or
    // certificate) and the map of a tenant: they do not belong in a prompt either. Only a UUID
    // assigned to a name that says what it is counts; bare UUIDs are everywhere.
    id: "azure-identity-id",
    family: "secret",
    kind: "credential",
    class: "restricted",
    title: "Azure / Entra ID tenant and client (application) ids assigned to their variable names",
    trigger: {
      keywords: [
        "tenant_id",
        "tenantid",
        "tenant-id",
        "client_id",
        "clientid",
        "client-id",
        "application_id",
        "app_id",
      ],
      before: 16,
      after: 60,
    },
    pattern:
      /(?<![A-Za-z0-9])((?:azure|arm|ad|aad|entra|ms|microsoft)[_-]?(?:ad[_-]?)?(?:tenant|client|application|app)[_-]?id)["']?\s*(?:=>|[:=])\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f-])/i,
    group: 2,
    score: 0.7,
    rejectPlaceholders: false,
    // The all-zero and well-known "common" tenants identify nobody.
    validate: (v) => (/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(v) ? null : 0.7),
  },

  // --- Hosting and platforms -------------------------------------------------------------------
  prefixed({
    id: "digitalocean-token",
    title: "DigitalOcean personal access, OAuth and refresh tokens (dop_v1_, doo_v1_, dor_v1_)",
    kind: "token",
    keywords: ["dop_v1_", "doo_v1_", "dor_v1_"],
    pattern: /(?<![A-Za-z0-9_])do[por]_v1_[a-f0-9]{64}(?![A-Za-z0-9_])/,
    maxLength: 71,
  }),
  prefixed({
    id: "heroku-api-key",
    title: "Heroku API keys (HRKU-)",
    keywords: ["hrku-"],
    pattern: /(?<![A-Za-z0-9_-])HRKU-[A-Za-z0-9_-]{56,70}(?![A-Za-z0-9_-])/,
    maxLength: 75,
  }),
  contextual({
    id: "heroku-legacy-api-key",
    title: "Heroku legacy API keys (a UUID assigned to a Heroku key or token, or in a .netrc entry)",
    keywords: ["heroku"],
    before: 4,
    after: 110,
    pattern:
      /(?:heroku[\w.-]{0,24}?(?:api[_-]?key|token|auth|secret|password|key)[\w.-]{0,12}["']?\s*[:=]\s*["']?|api\.heroku\.com\s+login\s+\S+\s+password\s+)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f-])/i,
    group: 1,
    score: 0.85,
  }),
  prefixed({
    id: "cloudflare-api-token",
    title: "Cloudflare account and user API tokens and API keys (cfat_, cfut_, cfk_)",
    keywords: ["cfat_", "cfut_", "cfk_"],
    pattern: /(?<![A-Za-z0-9_])cf(?:at|ut|k)_[A-Za-z0-9]{40}[a-f0-9]{8}(?![A-Za-z0-9_])/,
    maxLength: 53,
  }),
  contextual({
    id: "cloudflare-global-api-key",
    title: "Cloudflare global API keys (37 hex characters for X-Auth-Key or a Cloudflare API key setting)",
    keywords: ["x-auth-key", "cloudflare_api_key", "cloudflare_global", "cf_api_key", "cloudflare-api-key"],
    after: 80,
    pattern:
      /(?:x-auth-key|cloudflare[_-](?:global[_-])?api[_-]key|cf_api_key)["']?\s*[:=]\s*["']?([a-f0-9]{37})(?![A-Za-z0-9])/i,
    group: 1,
    score: 0.9,
  }),
  prefixed({
    id: "vercel-token",
    title: "Vercel access, integration, app, refresh and API key tokens (vcp_, vci_, vca_, vcr_, vck_)",
    kind: "token",
    keywords: ["vcp_", "vci_", "vca_", "vcr_", "vck_"],
    pattern: /(?<![A-Za-z0-9_])vc[piark]_[A-Za-z0-9]{24,64}(?![A-Za-z0-9_])/,
    maxLength: 68,
  }),
  prefixed({
    id: "netlify-token",
    title: "Netlify personal access tokens (nfp_)",
    kind: "token",
    keywords: ["nfp_"],
    pattern: /(?<![A-Za-z0-9_])nfp_[A-Za-z0-9]{36,48}(?![A-Za-z0-9_])/,
    maxLength: 52,
  }),
  prefixed({
    id: "databricks-token",
    title: "Databricks personal access tokens (dapi…)",
    kind: "token",
    keywords: ["dapi"],
    pattern: /(?<![A-Za-z0-9_])dapi[a-fA-F0-9]{32}(?:-\d)?(?![A-Za-z0-9_])/,
    maxLength: 38,
  }),
  prefixed({
    id: "hashicorp-vault-token",
    title: "HashiCorp Vault service, batch and recovery tokens (hvs., hvb., hvr.)",
    kind: "token",
    keywords: ["hvs.", "hvb.", "hvr."],
    pattern: /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,400}(?![A-Za-z0-9_-])/,
    maxLength: 404,
  }),
  prefixed({
    id: "terraform-cloud-token",
    title: "Terraform Cloud / HCP Terraform API tokens (….atlasv1.…)",
    kind: "token",
    keywords: [".atlasv1."],
    before: 14,
    pattern: /(?<![A-Za-z0-9_])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![A-Za-z0-9_=-])/,
    maxLength: 100,
  }),
  prefixed({
    id: "pulumi-access-token",
    title: "Pulumi access tokens (pul-)",
    kind: "token",
    keywords: ["pul-"],
    pattern: /(?<![A-Za-z0-9_-])pul-[a-f0-9]{40}(?![A-Za-z0-9_-])/,
    maxLength: 44,
  }),
  prefixed({
    id: "tailscale-key",
    title: "Tailscale auth, API, OAuth client, SCIM and webhook keys (tskey-…)",
    keywords: ["tskey-"],
    pattern: /(?<![A-Za-z0-9])tskey-[a-z]{2,16}-[A-Za-z0-9]{6,40}-[A-Za-z0-9]{16,64}(?![A-Za-z0-9_-])/,
    maxLength: 130,
  }),
  prefixed({
    id: "planetscale-token",
    title: "PlanetScale service tokens, passwords and OAuth tokens (pscale_tkn_, pscale_pw_, pscale_oauth_)",
    keywords: ["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
    pattern: /(?<![A-Za-z0-9_])pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}(?![A-Za-z0-9_.-])/,
    maxLength: 78,
  }),
  prefixed({
    id: "supabase-service-key",
    title: "Supabase secret and personal access keys (sb_secret_, sbp_) and service_role JWTs",
    keywords: ["sb_secret_", "sbp_", "eyj"],
    pattern:
      /(?<![A-Za-z0-9_-])(?:sb_secret_[A-Za-z0-9_-]{20,80}|sbp_[a-f0-9]{40}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])/,
    maxLength: 2048,
    rejectPlaceholders: false,
    validate: (v) => {
      if (!v.startsWith("eyJ")) return 0.95;
      // The anon key is meant for browsers; only the service role bypasses row-level security.
      const payload = base64Json(v.split(".")[1]!);
      return payload?.role === "service_role" ? 0.97 : null;
    },
  }),
  prefixed({
    id: "doppler-token",
    title: "Doppler personal, service, service account, CLI, SCIM and audit tokens (dp.pt., dp.st., …)",
    kind: "token",
    keywords: ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
    pattern:
      /(?<![A-Za-z0-9_.])dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_-]{1,30}\.)?[A-Za-z0-9]{40,44}(?![A-Za-z0-9_])/,
    maxLength: 84,
  }),
  prefixed({
    id: "alibaba-access-key-id",
    title: "Alibaba Cloud AccessKey ids (LTAI…)",
    keywords: ["ltai"],
    pattern: /(?<![A-Za-z0-9])LTAI[A-Za-z0-9]{12,20}(?![A-Za-z0-9])/,
    maxLength: 24,
    score: 0.85,
    validate: (v) => (charClasses(v.slice(4)) >= 2 ? 0.85 : null),
  }),

  // --- Observability ---------------------------------------------------------------------------
  contextual({
    id: "datadog-api-key",
    title: "Datadog API keys (32 hex) and application keys (40 hex) next to a Datadog key name",
    keywords: ["dd_api", "dd_app", "dd-api", "dd-app", "ddapi", "ddapp", "datadog"],
    after: 140,
    pattern:
      /(?:(?:dd|datadog)[_-]?(?:api|app|application)[_-]?key|datadog[\s\S]{0,60}?\b(?:api|app|application)[_-]?key)["']?\s*[:=]\s*["']?([a-f0-9]{32}(?:[a-f0-9]{8})?)(?![A-Za-z0-9])/i,
    group: 1,
    score: 0.9,
  }),
  prefixed({
    id: "new-relic-key",
    title: "New Relic user API keys (NRAK-) and insert keys (NRII-)",
    keywords: ["nrak-", "nrii-"],
    pattern: /(?<![A-Za-z0-9_-])(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/,
    maxLength: 37,
  }),
  prefixed({
    id: "dynatrace-token",
    title: "Dynatrace API tokens (dt0c01.)",
    kind: "token",
    keywords: ["dt0c01."],
    pattern: /(?<![A-Za-z0-9_])dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}(?![A-Za-z0-9_])/,
    maxLength: 96,
  }),
  prefixed({
    id: "grafana-cloud-token",
    title: "Grafana Cloud access policy tokens (glc_)",
    kind: "token",
    keywords: ["glc_"],
    pattern: /(?<![A-Za-z0-9_])glc_[A-Za-z0-9+/]{32,400}={0,2}(?![A-Za-z0-9+/=_])/,
    maxLength: 410,
    // The body is base64 JSON naming the organisation and the token.
    validate: (v) => (base64Json(v.slice(4)) ? 0.95 : 0.75),
  }),
  prefixed({
    id: "grafana-service-account-token",
    title: "Grafana service account tokens (glsa_)",
    kind: "token",
    keywords: ["glsa_"],
    pattern: /(?<![A-Za-z0-9_])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Za-z0-9_])/,
    maxLength: 46,
  }),
];

/** A sig= parameter is a shared access signature when its query also names a version and an expiry or permissions. */
function isSasQuery(ctx: ValidateContext): boolean {
  let s = ctx.start;
  const min = Math.max(0, ctx.start - 600);
  while (s > min && !/[\s"'<>]/.test(ctx.text[s - 1]!)) s--;
  const query = ctx.text.slice(s, ctx.end);
  return /(?:^|[?&;=])sv=\d{4}-\d\d-\d\d/.test(query) && /[?&;](?:se|sp|spr|srt|ss)=/.test(query);
}
