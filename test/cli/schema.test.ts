import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { examplesDir } from "../../src/cli/init.js";
import { run } from "./helpers.js";

async function compiledSchema() {
  const r = await run(["schema"]);
  expect(r.code).toBe(0);
  const schema = JSON.parse(r.stdout);
  // ajv-formats is not a dependency; "uri" is the only format the schema uses.
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat("uri", /^https?:\/\/\S+$/);
  return { schema, validate: ajv.compile(schema) };
}

describe("policygate schema", () => {
  it("prints a draft 2020-12 JSON Schema that ajv compiles", async () => {
    const { schema } = await compiledSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("PolicyGate policy");
    expect(schema.additionalProperties).toBe(false);
  });

  it("accepts both example policies", async () => {
    const { validate } = await compiledSchema();
    for (const name of ["conservative.policygate.yaml", "balanced.policygate.yaml"]) {
      const doc = parse(readFileSync(join(examplesDir(), name), "utf8"));
      expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("rejects what the loader rejects on shape: an unknown key, a bad class, a bad action", async () => {
    const { validate } = await compiledSchema();
    expect(validate({ provders: {} })).toBe(false);
    expect(validate({ data_dictionary: { columns: { "a.b.c": "secret" } } })).toBe(false);
    expect(validate({ classes: { restricted: { action: "warn" } } })).toBe(false);
    expect(validate({})).toBe(true);
  });
});
