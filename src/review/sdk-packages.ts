/**
 * LLM SDKs by package name, per ecosystem, and the vendor each one talks to. A multi-provider
 * framework maps to null: it shows AI use, but not whose models.
 */
export const SDK_PACKAGES: Record<Ecosystem, Record<string, string | null>> = {
  npm: {
    openai: "openai",
    "@anthropic-ai/sdk": "anthropic",
    "@anthropic-ai/bedrock-sdk": "anthropic",
    "@anthropic-ai/vertex-sdk": "anthropic",
    "@google/generative-ai": "gemini",
    "@google/genai": "gemini",
    "@google-cloud/vertexai": "gemini",
    "@mistralai/mistralai": "mistral",
    "cohere-ai": "cohere",
    "groq-sdk": "groq",
    "together-ai": "together",
    replicate: "replicate",
    "@huggingface/inference": "huggingface",
    "@aws-sdk/client-bedrock-runtime": "aws",
    "@ai-sdk/openai": "openai",
    "@ai-sdk/anthropic": "anthropic",
    "@ai-sdk/google": "gemini",
    "@ai-sdk/mistral": "mistral",
    "@langchain/openai": "openai",
    "@langchain/anthropic": "anthropic",
    "@langchain/google-genai": "gemini",
    langchain: null,
    ai: null,
    llamaindex: null,
  },
  pypi: {
    openai: "openai",
    anthropic: "anthropic",
    "google-generativeai": "gemini",
    "google-genai": "gemini",
    "google-cloud-aiplatform": "gemini",
    mistralai: "mistral",
    cohere: "cohere",
    groq: "groq",
    together: "together",
    replicate: "replicate",
    "huggingface-hub": "huggingface",
    "langchain-openai": "openai",
    "langchain-anthropic": "anthropic",
    "langchain-google-genai": "gemini",
    "langchain-mistralai": "mistral",
    "llama-index-llms-openai": "openai",
    langchain: null,
    litellm: null,
    "llama-index": null,
  },
  go: {
    "github.com/openai/openai-go": "openai",
    "github.com/sashabaranov/go-openai": "openai",
    "github.com/anthropics/anthropic-sdk-go": "anthropic",
    "github.com/google/generative-ai-go": "gemini",
    "google.golang.org/genai": "gemini",
    "github.com/cohere-ai/cohere-go": "cohere",
    "github.com/tmc/langchaingo": null,
  },
  rubygems: {
    "ruby-openai": "openai",
    openai: "openai",
    anthropic: "anthropic",
    "ruby-anthropic": "anthropic",
    "gemini-ai": "gemini",
    "cohere-ruby": "cohere",
    langchainrb: null,
  },
  maven: {
    "com.openai:openai-java": "openai",
    "com.theokanning.openai-gpt3-java:service": "openai",
    "com.anthropic:anthropic-java": "anthropic",
    "com.google.genai:google-genai": "gemini",
    "com.google.cloud:google-cloud-vertexai": "gemini",
    "dev.langchain4j:langchain4j-open-ai": "openai",
    "dev.langchain4j:langchain4j-anthropic": "anthropic",
    "dev.langchain4j:langchain4j-google-ai-gemini": "gemini",
    "dev.langchain4j:langchain4j": null,
    "org.springframework.ai:spring-ai-openai-spring-boot-starter": "openai",
    "org.springframework.ai:spring-ai-anthropic-spring-boot-starter": "anthropic",
  },
};

export type Ecosystem = "npm" | "pypi" | "go" | "rubygems" | "maven";

export interface Dependency {
  ecosystem: Ecosystem;
  name: string;
  /** 1-based line in the manifest. */
  line: number;
}

/** Which manifest a file name is, if any. */
export function manifestKind(basename: string): ((text: string) => Dependency[]) | undefined {
  if (basename === "package.json") return packageJson;
  if (/^requirements.*\.(txt|in)$/.test(basename)) return requirementsTxt;
  if (basename === "pyproject.toml" || basename === "Pipfile" || basename === "setup.cfg") return pyproject;
  if (basename === "go.mod") return goMod;
  if (basename === "Gemfile" || basename.endsWith(".gemspec")) return gemfile;
  if (basename === "pom.xml") return pomXml;
  if (basename === "build.gradle" || basename === "build.gradle.kts") return gradle;
  return undefined;
}

/** PyPI names compare case-insensitively with -, _ and . the same (PEP 503). */
export function normalisePypi(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split("\n").length;
}

function eachLine(text: string, f: (line: string, no: number) => void): void {
  text.split(/\r?\n/).forEach((l, i) => f(l, i + 1));
}

function packageJson(text: string): Dependency[] {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  if (!pkg || typeof pkg !== "object") return [];
  const out: Dependency[] = [];
  for (const key of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    const deps = pkg[key];
    if (deps && typeof deps === "object") {
      for (const name of Object.keys(deps))
        out.push({ ecosystem: "npm", name, line: lineOf(text, `"${name}"`) });
    }
  }
  return out;
}

function requirementsTxt(text: string): Dependency[] {
  const out: Dependency[] = [];
  eachLine(text, (l, line) => {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(l.replace(/#.*/, ""));
    if (m) out.push({ ecosystem: "pypi", name: normalisePypi(m[1]!), line });
  });
  return out;
}

function pyproject(text: string): Dependency[] {
  const out: Dependency[] = [];
  eachLine(text, (l, line) => {
    // PEP 621 arrays ("openai>=1.0") and Poetry/Pipfile tables (openai = "^1.0").
    for (const m of l.matchAll(
      /["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=~!;@ ][^"']*)?["']/g,
    ))
      out.push({ ecosystem: "pypi", name: normalisePypi(m[1]!), line });
    const t = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=/.exec(l);
    if (t) out.push({ ecosystem: "pypi", name: normalisePypi(t[1]!), line });
  });
  return out;
}

function goMod(text: string): Dependency[] {
  const out: Dependency[] = [];
  eachLine(text, (l, line) => {
    const m = /^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+)\s+v\d/.exec(l);
    // Major versions live in the path (…/go-openai/v2); the package is the same.
    if (m) out.push({ ecosystem: "go", name: m[1]!.replace(/\/v\d+$/, ""), line });
  });
  return out;
}

function gemfile(text: string): Dependency[] {
  const out: Dependency[] = [];
  eachLine(text, (l, line) => {
    const m = /^\s*(?:gem|spec\.add(?:_runtime|_development)?_dependency)\s*\(?\s*["']([^"']+)["']/.exec(l);
    if (m) out.push({ ecosystem: "rubygems", name: m[1]!, line });
  });
  return out;
}

function pomXml(text: string): Dependency[] {
  const out: Dependency[] = [];
  let group = "";
  eachLine(text, (l, line) => {
    const g = /<groupId>\s*([^<\s]+)\s*<\/groupId>/.exec(l);
    if (g) group = g[1]!;
    const a = /<artifactId>\s*([^<\s]+)\s*<\/artifactId>/.exec(l);
    if (a) out.push({ ecosystem: "maven", name: `${group}:${a[1]!}`, line });
  });
  return out;
}

function gradle(text: string): Dependency[] {
  const out: Dependency[] = [];
  eachLine(text, (l, line) => {
    for (const m of l.matchAll(/["']([\w.-]+):([\w.-]+)(?::[^"']*)?["']/g))
      out.push({ ecosystem: "maven", name: `${m[1]!}:${m[2]!}`, line });
  });
  return out;
}

/** The vendor of a dependency: a vendor id, null for a multi-provider framework, undefined when not an LLM SDK. */
export function sdkVendor(dep: Dependency): string | null | undefined {
  const table = SDK_PACKAGES[dep.ecosystem];
  const key = dep.ecosystem === "pypi" ? normalisePypi(dep.name) : dep.name;
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
