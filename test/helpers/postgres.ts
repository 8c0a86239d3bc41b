import pg from "pg";
import { afterAll } from "vitest";

/**
 * The PostgreSQL side of a test file: the server from POLICYGATE_TEST_POSTGRES_URL (`.ci/run` sets
 * it), whether it answers, and a schema of its own per test (PolicyGate's tables have fixed names),
 * all dropped when the file's tests are done. Without a server the file's tests are skipped, and
 * the reason is printed.
 */
export interface PostgresHarness {
  url: string | undefined;
  /** Why the tests cannot run here, or undefined when they can. */
  skipReason: string | undefined;
  admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T>;
  /** A new empty schema, dropped after the file's tests. */
  freshSchema(): Promise<string>;
  /** The test URL with `schema` as its search_path, as a deployment's CLI would be given it. */
  urlIn(schema: string): string;
}

export async function postgresHarness(what: string, prefix: string): Promise<PostgresHarness> {
  const url = process.env.POLICYGATE_TEST_POSTGRES_URL;
  const skipReason = await unavailable(url);
  if (skipReason) console.warn(`skipping the PostgreSQL ${what} tests: ${skipReason}`);
  const schemas: string[] = [];
  const admin = async <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await f(c);
    } finally {
      await c.end();
    }
  };
  afterAll(async () => {
    if (skipReason || !schemas.length) return;
    await admin((c) => c.query(schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE`).join("; ")));
  });
  return {
    url,
    skipReason,
    admin,
    async freshSchema() {
      const name = `policygate_${prefix}_test_${process.pid}_${schemas.length}`;
      schemas.push(name);
      await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`));
      return name;
    },
    urlIn(schema) {
      const u = new URL(url!);
      u.searchParams.set("options", `-c search_path=${schema}`);
      return u.toString();
    },
  };
}

async function unavailable(url: string | undefined): Promise<string | undefined> {
  if (!url) return "POLICYGATE_TEST_POSTGRES_URL is not set";
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return undefined;
  } catch (e) {
    return `the server is unreachable (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}
