import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { decodeFingerprints, FingerprintFormatError } from "../detect/fingerprints/format.js";
import { FingerprintSet } from "../detect/fingerprints/set.js";
import type { DataClass } from "./classes.js";
import type { FingerprintRef } from "./fingerprints-schema.js";
import type { Policy } from "./schema.js";

/** One `data_dictionary.fingerprints` entry, its file read and ready to match. */
export interface LoadedFingerprints {
  /** Position in data_dictionary.fingerprints, for the rule path in decisions. */
  index: number;
  ref: FingerprintRef;
  /** Detector id: fingerprint:<id or label>. */
  detector: string;
  class: DataClass;
  kind: string;
  set: FingerprintSet;
  /** sha256 of the file, so a rebuilt file changes the policy revision. */
  sha256: string;
}

export interface FingerprintLoadIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Reads every fingerprint file the policy names. A missing or malformed file is an error of the
 * policy (with the entry's path and the file's name), so a policy that cannot find its
 * fingerprints never loads without them.
 */
export function loadPolicyFingerprints(
  policy: Policy,
  opts: { baseDir?: string; file: string; env?: NodeJS.ProcessEnv },
): { loaded: LoadedFingerprints[]; issues: FingerprintLoadIssue[] } {
  const loaded: LoadedFingerprints[] = [];
  const issues: FingerprintLoadIssue[] = [];
  const env = opts.env ?? process.env;
  const seen = new Map<string, number>();
  policy.data_dictionary.fingerprints.forEach((ref, index) => {
    const at = ["data_dictionary", "fingerprints", index];
    if (!opts.baseDir && !isAbsolute(ref.file)) {
      issues.push({
        path: [...at, "file"],
        message: "a relative fingerprint file needs a policy loaded from a file",
      });
      return;
    }
    const full = resolve(opts.baseDir ?? "/", ref.file);
    // Named as the policy names it, relative to where the policy was given.
    const shown =
      opts.file.startsWith("<") || isAbsolute(ref.file) ? ref.file : join(dirname(opts.file), ref.file);
    let buf: Buffer;
    try {
      if (!statSync(full).isFile()) throw Object.assign(new Error(), { code: "not a file" });
      buf = readFileSync(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      issues.push({
        path: [...at, "file"],
        message: `${shown}: ${code === "ENOENT" ? "no such file" : `cannot read the fingerprint file (${code ?? (e as Error).message})`}; build it with \`policygate fingerprint --out ${ref.file}\``,
      });
      return;
    }
    let decoded: ReturnType<typeof decodeFingerprints>;
    try {
      decoded = decodeFingerprints(buf);
    } catch (e) {
      if (!(e instanceof FingerprintFormatError)) throw e;
      issues.push({ path: [...at, "file"], message: `${shown}: ${e.message}` });
      return;
    }
    const { header, hashes } = decoded;
    let secret: string | undefined;
    if (header.keyed) {
      if (!ref.key_env) {
        issues.push({
          path: at,
          message: `${shown} was built with a secret key; name the environment variable that holds it in key_env`,
        });
        return;
      }
      secret = env[ref.key_env];
      if (!secret) {
        issues.push({
          path: [...at, "key_env"],
          message: `${shown} needs the secret in $${ref.key_env}, which is not set`,
        });
        return;
      }
    } else if (ref.key_env) {
      issues.push({
        path: [...at, "key_env"],
        message: `${shown} was built without a secret key; remove key_env or rebuild the file with --key-env ${ref.key_env}`,
      });
      return;
    }
    const id = ref.id ?? header.label;
    const prior = seen.get(id);
    if (prior !== undefined) {
      issues.push({
        path: at,
        message: `fingerprint id "${id}" is already used by data_dictionary.fingerprints[${prior}]; give this entry its own id`,
      });
      return;
    }
    seen.set(id, index);
    loaded.push({
      index,
      ref,
      detector: `fingerprint:${id}`,
      class: ref.class ?? header.class,
      kind: ref.kind ?? (id.replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+/, "") || "fingerprint"),
      set: new FingerprintSet(header, hashes, secret),
      sha256: createHash("sha256").update(buf).digest("hex"),
    });
  });
  return { loaded, issues };
}

/**
 * Names of the policy's fingerprint files that sit in the policy's own directory: the gateway
 * watches that directory, so rebuilding one of them reloads the policy as editing it would.
 */
export function fingerprintFilesBeside(policy: Policy, policyFile: string): Set<string> {
  const dir = dirname(resolve(policyFile));
  const names = new Set<string>();
  for (const ref of policy.data_dictionary.fingerprints) {
    const full = resolve(dir, ref.file);
    if (dirname(full) === dir) names.add(basename(full));
  }
  return names;
}
