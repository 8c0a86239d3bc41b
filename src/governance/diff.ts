import { builtinDetectors } from "../detect/catalogue.js";
import { classRank, DATA_CLASSES, type DataClass } from "../policy/classes.js";
import type { DictionaryEntry, LoadedPolicy } from "../policy/load.js";
import type { Action, Mode, Policy } from "../policy/schema.js";

/**
 * What a policy change does to what may leave the organisation. A change *widens* when some call,
 * value or answer that the old policy stopped (or would stop when enforced) can now go through, and
 * *narrows* when the opposite holds. Changes that do neither (a reason, a display name) are not
 * reported: the reviewer reads the YAML diff for those.
 */
export type Effect = "widen" | "narrow";

export interface PolicyChange {
  effect: Effect;
  /** The policy path the change is in: "providers.openai.environments". */
  path: string;
  /** One sentence a reviewer reads in a pull request. */
  message: string;
}

const ACTION_RANK: Record<Action, number> = { allow: 0, redact: 1, block: 2 };

/** Compares two loaded policies; pure. Changes are in policy order, widenings and narrowings mixed. */
export function diffPolicies(base: LoadedPolicy, head: LoadedPolicy): PolicyChange[] {
  const out: PolicyChange[] = [];
  const add = (effect: Effect, path: string, message: string) => out.push({ effect, path, message });
  const a = base.policy;
  const b = head.policy;

  // Global switches first: they change the meaning of everything below.
  if (a.mode !== b.mode) {
    if (b.mode === "audit")
      add(
        "widen",
        "mode",
        "The whole policy moves from enforce to audit: every rule only records what it would do, and nothing is blocked or redacted.",
      );
    else add("narrow", "mode", "The whole policy moves from audit to enforce: every rule now acts.");
  }
  if (a.on_engine_error !== b.on_engine_error) {
    if (b.on_engine_error === "allow")
      add(
        "widen",
        "on_engine_error",
        "When the engine fails, calls are now forwarded unscanned (was: refused, fail closed).",
      );
    else add("narrow", "on_engine_error", "When the engine fails, calls are now refused (fail closed).");
  }
  const envsAdded = b.environments.filter((e) => !a.environments.includes(e));
  const envsRemoved = a.environments.filter((e) => !b.environments.includes(e));
  if (envsAdded.length)
    add("widen", "environments", `New environment${s(envsAdded)}: ${envsAdded.join(", ")}.`);
  if (envsRemoved.length)
    add("narrow", "environments", `Environment${s(envsRemoved)} removed: ${envsRemoved.join(", ")}.`);

  diffProviders(a, b, add);
  diffClasses(a, b, add);
  diffDictionary(base.dictionary, head.dictionary, add);
  diffDetectors(a, b, add);
  diffOutput(a, b, add);
  diffIntegrations(a, b, add);

  if (a.input.unscannable_parts !== b.input.unscannable_parts) {
    if (b.input.unscannable_parts === "allow")
      add(
        "widen",
        "input.unscannable_parts",
        "Images, audio and files the scanner cannot read may now be sent to a model (were refused).",
      );
    else
      add(
        "narrow",
        "input.unscannable_parts",
        "Images, audio and files the scanner cannot read are now refused.",
      );
  }
  if (a.audit.on_failure !== b.audit.on_failure) {
    if (b.audit.on_failure === "spool")
      add(
        "widen",
        "audit.on_failure",
        "When the audit store is down, calls now go through with the event spooled locally (were refused).",
      );
    else add("narrow", "audit.on_failure", "When the audit store is down, calls are now refused.");
  }
  return out;
}

type Add = (effect: Effect, path: string, message: string) => void;

function diffProviders(a: Policy, b: Policy, add: Add): void {
  const ids = union(Object.keys(a.providers), Object.keys(b.providers));
  for (const id of ids) {
    const pa = a.providers[id];
    const pb = b.providers[id];
    const path = `providers.${id}`;
    const usableA = pa?.status === "approved";
    const usableB = pb?.status === "approved";
    if (!usableA && usableB) {
      add(
        "widen",
        pa ? `${path}.status` : path,
        `Provider ${id} is newly approved${pb.environments.length ? ` in ${pb.environments.join(", ")}` : ""}, for data up to ${pb.max_class}.`,
      );
      continue;
    }
    if (usableA && !usableB) {
      add(
        "narrow",
        pb ? `${path}.status` : path,
        pb ? `Provider ${id} is now ${pb.status} and may not be called.` : `Provider ${id} is removed.`,
      );
      continue;
    }
    if (!pa || !pb || !usableB) continue;
    for (const env of pb.environments.filter((e) => !pa.environments.includes(e)))
      add("widen", `${path}.environments`, `${env}: provider ${id} may now be called there.`);
    for (const env of pa.environments.filter((e) => !pb.environments.includes(e)))
      add("narrow", `${path}.environments`, `${env}: provider ${id} may no longer be called there.`);
    classChange(add, `${path}.max_class`, `Provider ${id}`, pa.max_class, pb.max_class, "receive");
    if (pa.zero_data_retention && !pb.zero_data_retention)
      add(
        "widen",
        `${path}.zero_data_retention`,
        `Provider ${id} is no longer marked zero data retention: prompts may be kept by the vendor.`,
      );
    if (!pa.zero_data_retention && pb.zero_data_retention)
      add("narrow", `${path}.zero_data_retention`, `Provider ${id} is now marked zero data retention.`);
    const ma = pa.models ?? [];
    const mb = pb.models ?? [];
    if (ma.length && !mb.length)
      add("widen", `${path}.models`, `Provider ${id}: every model is now allowed (was ${ma.join(", ")}).`);
    else if (!ma.length && mb.length)
      add(
        "narrow",
        `${path}.models`,
        `Provider ${id}: only ${mb.join(", ")} may now be used (was every model).`,
      );
    else if (mb.length) {
      const more = mb.filter((m) => !ma.includes(m));
      const fewer = ma.filter((m) => !mb.includes(m));
      if (more.length)
        add("widen", `${path}.models`, `Provider ${id}: model${s(more)} ${more.join(", ")} now allowed.`);
      if (fewer.length)
        add(
          "narrow",
          `${path}.models`,
          `Provider ${id}: model${s(fewer)} ${fewer.join(", ")} no longer allowed.`,
        );
    }
    if ((pa.base_url ?? "") !== (pb.base_url ?? ""))
      add(
        "widen",
        `${path}.base_url`,
        `Provider ${id} now sends calls to ${pb.base_url ?? "its default API host"} (was ${pa.base_url ?? "its default API host"}): check who runs that endpoint.`,
      );
  }
}

function diffClasses(a: Policy, b: Policy, add: Add): void {
  // Most sensitive first: that is what a reviewer reads first.
  for (const c of [...DATA_CLASSES].reverse()) {
    const ra = a.classes[c];
    const rb = b.classes[c];
    const path = `classes.${c}`;
    if (ra.action !== rb.action) {
      const effect = ACTION_RANK[rb.action] < ACTION_RANK[ra.action] ? "widen" : "narrow";
      add(
        effect,
        `${path}.action`,
        `${cap(c)} data in a prompt is now ${verb(rb.action)} (was ${verb(ra.action)}).`,
      );
    }
    modeChange(add, `${path}.mode`, `The ${c} class rule`, ra.mode, rb.mode);
    confidenceChange(
      add,
      `${path}.min_confidence`,
      `${cap(c)} findings`,
      ra.min_confidence,
      rb.min_confidence,
    );
  }
}

function diffDictionary(a: Map<string, DictionaryEntry>, b: Map<string, DictionaryEntry>, add: Add): void {
  for (const key of union([...a.keys()], [...b.keys()])) {
    const ea = a.get(key);
    const eb = b.get(key);
    const path = `data_dictionary.columns["${key}"]`;
    if (ea && !eb) {
      if (ea.class !== "public")
        add(
          "widen",
          path,
          `Column ${key} (${ea.class}) is no longer in the data dictionary: its values are judged by the detectors alone.`,
        );
    } else if (!ea && eb) {
      if (eb.class !== "public") add("narrow", path, `Column ${key} is now classified ${eb.class}.`);
    } else if (ea && eb && ea.class !== eb.class) {
      classChange(add, path, `Column ${key}`, ea.class, eb.class, "be");
    }
  }
}

function diffDetectors(a: Policy, b: Policy, add: Add): void {
  for (const spec of builtinDetectors()) {
    const sa = a.detectors.builtin[spec.id];
    const sb = b.detectors.builtin[spec.id];
    const path = `detectors.builtin.${spec.id}`;
    const onA = sa?.enabled !== false;
    const onB = sb?.enabled !== false;
    if (onA && !onB) {
      add(
        "widen",
        `${path}.enabled`,
        `Detector ${spec.id} (${sa?.class ?? spec.class}) is disabled: what it finds is no longer blocked or redacted.`,
      );
      continue;
    }
    if (!onA && onB) {
      add("narrow", `${path}.enabled`, `Detector ${spec.id} is enabled again.`);
      continue;
    }
    if (!onB) continue;
    const ca = sa?.class ?? spec.class;
    const cb = sb?.class ?? spec.class;
    if (ca !== cb) classChange(add, `${path}.class`, `Detector ${spec.id}'s findings`, ca, cb, "be");
    modeChange(add, `${path}.mode`, `Detector ${spec.id}`, sa?.mode, sb?.mode);
    confidenceChange(
      add,
      `${path}.min_confidence`,
      `Detector ${spec.id}`,
      sa?.min_confidence,
      sb?.min_confidence,
    );
    listChange(
      add,
      `${path}.allow`,
      sa?.allow ?? [],
      sb?.allow ?? [],
      (xs) => `Detector ${spec.id} no longer reports ${quoteList(xs)}.`,
      (xs) => `Detector ${spec.id} reports ${quoteList(xs)} again.`,
    );
  }
  const al = (p: Policy) => [...p.detectors.allowlist.values, ...p.detectors.allowlist.patterns];
  listChange(
    add,
    "detectors.allowlist",
    al(a),
    al(b),
    (xs) => `Allowlist addition${s(xs)}: no detector reports ${quoteList(xs)}.`,
    (xs) => `Allowlist entr${xs.length === 1 ? "y" : "ies"} removed: ${quoteList(xs)} reported again.`,
  );

  const customA = new Map(a.detectors.custom.map((c) => [c.id, c]));
  const customB = new Map(b.detectors.custom.map((c) => [c.id, c]));
  for (const id of union([...customA.keys()], [...customB.keys()])) {
    const ca = customA.get(id);
    const cb = customB.get(id);
    const path = `detectors.custom.${id}`;
    if (ca && !cb)
      add("widen", path, `Custom rule ${id} (${ca.class}) is removed: what it found is no longer caught.`);
    else if (!ca && cb)
      add("narrow", path, `New custom rule ${id} (${cb.class}${cb.mode === "audit" ? ", audit mode" : ""}).`);
    else if (ca && cb) {
      if (ca.class !== cb.class)
        classChange(add, `${path}.class`, `Custom rule ${id}'s findings`, ca.class, cb.class, "be");
      modeChange(add, `${path}.mode`, `Custom rule ${id}`, ca.mode, cb.mode);
      if (ca.pattern !== cb.pattern || ca.keywords.join("\0") !== cb.keywords.join("\0"))
        add(
          "widen",
          `${path}.pattern`,
          `Custom rule ${id}'s pattern or keywords changed: it may now miss what it used to find; check the rule's tests.`,
        );
      if (cb.score < ca.score)
        add(
          "widen",
          `${path}.score`,
          `Custom rule ${id}'s score drops from ${ca.score} to ${cb.score}: fewer matches pass the class threshold.`,
        );
      const dirsLost = ca.directions.filter((d) => !cb.directions.includes(d));
      if (dirsLost.length)
        add("widen", `${path}.directions`, `Custom rule ${id} no longer checks ${dirsLost.join(" and ")}.`);
    }
  }
}

function diffOutput(a: Policy, b: Policy, add: Add): void {
  const oa = a.output;
  const ob = b.output;
  listChange(
    add,
    "output.leak_classes",
    oa.leak_classes,
    ob.leak_classes,
    (xs) =>
      `Class${s(xs)} ${xs.join(", ")} in a model's answer ${xs.length === 1 ? "is" : "are"} gone from the leak classes: ${xs.length === 1 ? "it passes" : "they pass"} to the caller unchecked.`,
    (xs) =>
      `Class${s(xs)} ${xs.join(", ")} in a model's answer now count${xs.length === 1 ? "s" : ""} as a leak.`,
    true,
  );
  if (oa.on_leak !== ob.on_leak) {
    add(
      ob.on_leak === "redact" ? "widen" : "narrow",
      "output.on_leak",
      `A leak in a model's answer is now ${verb(ob.on_leak)} (was ${verb(oa.on_leak)}).`,
    );
  }
  modeChange(add, "output.mode", "The output rules", oa.mode, ob.mode);
  listChange(
    add,
    "output.internal_hosts",
    oa.internal_hosts,
    ob.internal_hosts,
    (xs) =>
      `Internal host pattern${s(xs)} ${quoteList(xs)} removed: such hosts in answers are no longer redacted.`,
    (xs) => `Internal host pattern${s(xs)} ${quoteList(xs)} added.`,
    true,
  );
}

function diffIntegrations(a: Policy, b: Policy, add: Add): void {
  for (const id of union(Object.keys(a.integrations), Object.keys(b.integrations))) {
    const ia = a.integrations[id];
    const ib = b.integrations[id];
    const path = `integrations.${id}`;
    if (!ia && ib) {
      add(
        "widen",
        path,
        `New integration ${id}: ${ib.providers.join(", ") || "no providers"} in ${ib.environments.join(", ") || "every environment"}${ib.max_class ? `, up to ${ib.max_class}` : ""}.`,
      );
      continue;
    }
    if (ia && !ib) {
      add("narrow", path, `Integration ${id} is removed; its calls are refused.`);
      continue;
    }
    if (!ia || !ib) continue;
    // An empty list means every environment (access.ts), so [] is the widest reach.
    if (ia.environments.length && !ib.environments.length)
      add(
        "widen",
        `${path}.environments`,
        `Integration ${id} may now run in every environment (was ${ia.environments.join(", ")}).`,
      );
    else if (!ia.environments.length && ib.environments.length)
      add(
        "narrow",
        `${path}.environments`,
        `Integration ${id} may now run only in ${ib.environments.join(", ")} (was every environment).`,
      );
    else {
      for (const env of ib.environments.filter((e) => !ia.environments.includes(e)))
        add("widen", `${path}.environments`, `${env}: integration ${id} may now run there.`);
      for (const env of ia.environments.filter((e) => !ib.environments.includes(e)))
        add("narrow", `${path}.environments`, `${env}: integration ${id} may no longer run there.`);
    }
    for (const p of ib.providers.filter((x) => !ia.providers.includes(x)))
      add("widen", `${path}.providers`, `Integration ${id} may now call provider ${p}.`);
    for (const p of ia.providers.filter((x) => !ib.providers.includes(x)))
      add("narrow", `${path}.providers`, `Integration ${id} may no longer call provider ${p}.`);
    if (ia.max_class && !ib.max_class)
      add(
        "widen",
        `${path}.max_class`,
        `Integration ${id} has no class limit of its own any more (was ${ia.max_class}); only its providers' limits apply.`,
      );
    else if (!ia.max_class && ib.max_class)
      add("narrow", `${path}.max_class`, `Integration ${id} may now send at most ${ib.max_class} data.`);
    else if (ia.max_class && ib.max_class)
      classChange(add, `${path}.max_class`, `Integration ${id}`, ia.max_class, ib.max_class, "send");
    modeChange(add, `${path}.mode`, `Integration ${id}`, ia.mode, ib.mode);
  }
}

/** A class limit or classification moving: a higher limit widens, a lower classification widens. */
function classChange(
  add: Add,
  path: string,
  subject: string,
  from: DataClass,
  to: DataClass,
  how: "receive" | "send" | "be",
): void {
  if (from === to) return;
  const up = classRank(to) > classRank(from);
  if (how === "be") {
    // A finding or column classified lower is treated more leniently.
    add(
      up ? "narrow" : "widen",
      path,
      `${subject}: now classified ${to} (was ${from}), ${up ? "a stricter" : "a more lenient"} class rule.`,
    );
    return;
  }
  add(
    up ? "widen" : "narrow",
    path,
    `${subject} may now ${how} ${up ? "data up to" : "at most"} ${to} (was ${from}).`,
  );
}

function modeChange(
  add: Add,
  path: string,
  subject: string,
  from: Mode | undefined,
  to: Mode | undefined,
): void {
  const fa = from ?? "enforce";
  const fb = to ?? "enforce";
  if (fa === fb) return;
  if (fb === "audit")
    add("widen", path, `${subject} moves from enforce to audit: it only records what it would do.`);
  else add("narrow", path, `${subject} moves from audit to enforce.`);
}

function confidenceChange(
  add: Add,
  path: string,
  subject: string,
  from: number | undefined,
  to: number | undefined,
): void {
  if (from === undefined || to === undefined || from === to) return;
  if (to > from)
    add("widen", path, `${subject} need confidence ${to} (was ${from}): fewer values are caught.`);
  else add("narrow", path, `${subject} need confidence ${to} (was ${from}): more values are caught.`);
}

/**
 * A list whose entries let things through (an allowlist: an addition widens), or, with
 * `removalWidens`, one whose entries stop things (leak classes, internal hosts).
 */
function listChange(
  add: Add,
  path: string,
  from: readonly string[],
  to: readonly string[],
  onWiden: (xs: string[]) => string,
  onNarrow: (xs: string[]) => string,
  removalWidens = false,
): void {
  const added = to.filter((x) => !from.includes(x));
  const removed = from.filter((x) => !to.includes(x));
  const widening = removalWidens ? removed : added;
  const narrowing = removalWidens ? added : removed;
  if (widening.length) add("widen", path, onWiden(widening));
  if (narrowing.length) add("narrow", path, onNarrow(narrowing));
}

function verb(a: Action | "redact" | "block"): string {
  return a === "block" ? "blocked" : a === "redact" ? "redacted" : "allowed";
}

function quoteList(xs: readonly string[]): string {
  return xs.map((x) => JSON.stringify(x)).join(", ");
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function s(xs: readonly unknown[]): string {
  return xs.length === 1 ? "" : "s";
}

function cap(x: string): string {
  return x.charAt(0).toUpperCase() + x.slice(1);
}
