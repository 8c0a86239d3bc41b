import type { DetectorSpec } from "../types.js";
import { base64Json, prefixed } from "./secret-checks.js";

/**
 * Credentials for code hosting, package registries and developer tools. All Restricted.
 * The other credential families live beside this file: secrets-cloud.ts (cloud and infrastructure),
 * secrets-saas.ts (messaging, payments, chat), secrets-ai.ts (model providers) and
 * secrets-generic.ts (keys, JWTs, URLs, headers and assignments that no vendor prefix names).
 */
export const SECRET_DETECTORS: DetectorSpec[] = [
  prefixed({
    id: "github-token",
    title: "GitHub personal access, OAuth, app and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_)",
    kind: "token",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    // App installation tokens may also be a numeric id and a JWT after ghs_.
    pattern:
      /(?<![A-Za-z0-9_])gh[pousr]_(?:[A-Za-z0-9]{36,255}|\d{1,20}_eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_])/,
    maxLength: 2048,
  }),
  prefixed({
    id: "github-fine-grained-token",
    title: "GitHub fine-grained personal access tokens (github_pat_)",
    kind: "token",
    keywords: ["github_pat_"],
    pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{20,30}_[A-Za-z0-9]{50,70}(?![A-Za-z0-9_])/,
    maxLength: 112,
  }),
  prefixed({
    id: "gitlab-token",
    title:
      "GitLab personal, project, deploy, runner, trigger, feed and OAuth tokens (glpat-, gldt-, glrt-, …)",
    kind: "token",
    keywords: [
      "glpat-",
      "gldt-",
      "glrt-",
      "glrtr-",
      "glptt-",
      "glft-",
      "glimt-",
      "glagent-",
      "gloas-",
      "glcbt-",
      "glsoat-",
      "glffct-",
      "gr1348941",
    ],
    pattern:
      /(?<![A-Za-z0-9_-])(?:gl(?:pat|dt|rt|rtr|ptt|ft|imt|agent|oas|cbt|soat|ffct)-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?|GR1348941[A-Za-z0-9_-]{20,64})(?![A-Za-z0-9_.-])/,
    maxLength: 330,
  }),
  prefixed({
    id: "npm-access-token",
    title: "npm access tokens (npm_)",
    kind: "token",
    keywords: ["npm_"],
    pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/,
    maxLength: 40,
  }),
  {
    id: "npmrc-auth-token",
    family: "secret",
    kind: "token",
    class: "restricted",
    title: "Registry credentials in .npmrc / .yarnrc (_authToken, _auth, _password)",
    trigger: { keywords: ["_authtoken", "_auth", "_password", "npmauthtoken"], before: 4, after: 260 },
    // .npmrc is ini (key=value); .yarnrc.yml spells it npmAuthToken: value.
    pattern: /(?:(?<![\w$.])_(?:authToken|auth|password)\s*=|npmAuthToken["']?\s*:)\s*["']?([^\s"']{8,250})/,
    group: 1,
    score: 0.9,
    minEntropy: 2.5,
  },
  prefixed({
    id: "pypi-token",
    title: "PyPI and TestPyPI API tokens (pypi-AgEIcHlwaS5vcmc…)",
    kind: "token",
    keywords: ["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
    pattern: /(?<![A-Za-z0-9_-])pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}/,
    maxLength: 1030,
  }),
  prefixed({
    id: "docker-hub-token",
    title: "Docker Hub personal and organisation access tokens (dckr_pat_, dckr_oat_)",
    kind: "token",
    keywords: ["dckr_pat_", "dckr_oat_"],
    pattern: /(?<![A-Za-z0-9_])dckr_(?:pat|oat)_[A-Za-z0-9_-]{24,64}(?![A-Za-z0-9_-])/,
    maxLength: 74,
  }),
  prefixed({
    id: "atlassian-api-token",
    title: "Atlassian (Jira, Confluence) API tokens and Bitbucket app passwords (ATATT3…, ATCTT3…, ATBB…)",
    kind: "token",
    keywords: ["atatt3", "atctt3", "atbb"],
    pattern:
      /(?<![A-Za-z0-9_-])(?:AT[AC]TT3[A-Za-z0-9_=-]{150,300}|ATBB[A-Za-z0-9]{28,40})(?![A-Za-z0-9_=-])/,
    maxLength: 310,
  }),
  prefixed({
    id: "linear-api-key",
    title: "Linear API keys and OAuth tokens (lin_api_, lin_oauth_)",
    keywords: ["lin_api_", "lin_oauth_"],
    // Issued at 40 characters; longer bodies are accepted so a format change does not go unseen.
    pattern: /(?<![A-Za-z0-9_])lin_(?:api|oauth)_[A-Za-z0-9]{40,64}(?![A-Za-z0-9_])/,
    maxLength: 76,
  }),
  prefixed({
    id: "notion-token",
    title: "Notion integration tokens (ntn_)",
    kind: "token",
    keywords: ["ntn_"],
    pattern: /(?<![A-Za-z0-9_])ntn_\d{11}[A-Za-z0-9]{35}(?![A-Za-z0-9_])/,
    maxLength: 50,
  }),
  prefixed({
    id: "figma-token",
    title: "Figma personal access and OAuth tokens (figd_, figo_)",
    kind: "token",
    keywords: ["figd_", "figo_"],
    pattern: /(?<![A-Za-z0-9_])fig[do]_[A-Za-z0-9_-]{40,100}(?![A-Za-z0-9_-])/,
    maxLength: 105,
  }),
  prefixed({
    id: "postman-api-key",
    title: "Postman API keys (PMAK-)",
    keywords: ["pmak-"],
    pattern: /(?<![A-Za-z0-9_-])PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9_-])/,
    maxLength: 64,
  }),
  prefixed({
    id: "sentry-auth-token",
    title: "Sentry organisation and user auth tokens (sntrys_, sntryu_)",
    kind: "token",
    keywords: ["sntrys_", "sntryu_"],
    pattern:
      /(?<![A-Za-z0-9_])(?:sntrys_eyJ[A-Za-z0-9+/=]{40,400}_[A-Za-z0-9+/=_-]{30,64}|sntryu_[a-f0-9]{64})(?![A-Za-z0-9_])/,
    maxLength: 480,
    validate: (v) => {
      if (v.startsWith("sntryu_")) return 0.95;
      // The middle of an organisation token is base64 JSON naming the Sentry site.
      const body = v.slice(7, v.lastIndexOf("_"));
      return base64Json(body) ? 0.97 : 0.8;
    },
  }),
  {
    id: "sentry-dsn-secret",
    family: "secret",
    kind: "credential",
    class: "restricted",
    title: "Sentry DSNs that carry a secret key (https://public:secret@host/project)",
    trigger: { keywords: ["sentry", "dsn"], before: 160, after: 200 },
    pattern: /https?:\/\/[0-9a-f]{32}:([0-9a-f]{32})@[A-Za-z0-9.-]+(?::\d+)?\/(?:[\w-]+\/)*\d+/,
    group: 1,
    score: 0.95,
  },
];
