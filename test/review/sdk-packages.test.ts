import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { manifestKind, sdkVendor } from "../../src/review/sdk-packages.js";

const MANIFESTS = [
  "package.json",
  "requirements.txt",
  "pyproject.toml",
  "go.mod",
  "Gemfile",
  "pom.xml",
  "build.gradle",
];

describe("manifest parsers", () => {
  it("property: never throw, and every line they report is in the file", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MANIFESTS), fc.string({ maxLength: 400 }), (name, text) => {
        const deps = manifestKind(name)!(text);
        const lines = text.split("\n").length;
        for (const d of deps) expect(d.line >= 1 && d.line <= lines).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("read the forms each ecosystem writes", () => {
    const names = (file: string, text: string) =>
      manifestKind(file)!(text)
        .filter((d) => sdkVendor(d) !== undefined)
        .map((d) => `${d.name}@${d.line}`);
    expect(
      names("requirements-dev.txt", "Anthropic[bedrock]==0.30 ; python_version>'3.8'\n-r base.txt\n"),
    ).toEqual(["anthropic@1"]);
    expect(
      names("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.11"\nLangChain_OpenAI = "^0.1"\n'),
    ).toEqual(["langchain-openai@3"]);
    expect(names("go.mod", "require github.com/sashabaranov/go-openai/v2 v2.0.0\n")).toEqual([
      "github.com/sashabaranov/go-openai@1",
    ]);
    expect(
      names("build.gradle.kts", 'implementation("dev.langchain4j:langchain4j-anthropic:0.33.0")\n'),
    ).toEqual(["dev.langchain4j:langchain4j-anthropic@1"]);
    expect(names("package.json", "{ not json")).toEqual([]);
  });
});
