import { builtinDetectors } from "../detect/catalogue.js";
import { DATA_CLASSES, type DataClass } from "./classes.js";
import type { LoadedPolicy } from "./load.js";
import type { Action, Mode, Policy } from "./schema.js";

/** What a policy decides, in the shape a reviewer reads it: per environment, per class, per integration. */
export interface PolicySummary {
  file?: string;
  revision: string;
  organisation: string;
  environments: string[];
  default_environment: string;
  /** The environment the summary is restricted to (--env), if any. */
  environment?: string;
  mode: Mode;
  on_engine_error: "block" | "allow";
  providers: { environment: string; providers: ProviderLine[] }[];
  /** Providers listed for no environment (they can never be called). */
  providers_without_environment: string[];
  classes: { class: DataClass; action: Action; mode: Mode; min_confidence: number }[];
  detectors: {
    builtin: number;
    enabled: number;
    disabled: string[];
    /** Built-in detectors with settings in the policy (class, threshold, mode, allow). */
    configured: string[];
    custom: { id: string; class: DataClass; mode: Mode; keywords: number }[];
  };
  data_dictionary: {
    columns: number;
    by_class: Record<DataClass, number>;
    imports: string[];
    reviewed?: string;
  };
  integrations: {
    id: string;
    owner?: string;
    environments: string[];
    providers: string[];
    max_class?: DataClass;
    mode: Mode;
  }[];
  output: { leak_classes: DataClass[]; on_leak: "redact" | "block"; internal_hosts: number; mode: Mode };
  /** What happens to parts the scanner cannot read, and to a call whose audit event cannot be stored. */
  unscannable_parts: "allow" | "block";
  audit_on_failure: "block" | "spool";
}

export interface ProviderLine {
  id: string;
  kind: string;
  status: "approved" | "disabled" | "requested";
  max_class: DataClass;
  zero_data_retention: boolean;
}

/** Summarises a loaded policy, optionally for one environment. Pure: reads nothing but its arguments. */
export function summarisePolicy(loaded: LoadedPolicy, opts: { environment?: string } = {}): PolicySummary {
  const p = loaded.policy;
  const envs = opts.environment ? [opts.environment] : p.environments;
  const mode = (rule: Mode | undefined): Mode => (p.mode === "audit" ? "audit" : (rule ?? "enforce"));

  const catalogue = builtinDetectors();
  const disabled = catalogue.filter((d) => p.detectors.builtin[d.id]?.enabled === false).map((d) => d.id);
  const byClass = Object.fromEntries(DATA_CLASSES.map((c) => [c, 0])) as Record<DataClass, number>;
  for (const entry of loaded.dictionary.values()) byClass[entry.class]++;
  const imports = p.data_dictionary.import;

  return {
    file: loaded.file,
    revision: loaded.revision,
    organisation: p.organisation.name,
    environments: p.environments,
    default_environment: p.environment,
    environment: opts.environment,
    mode: p.mode,
    on_engine_error: p.on_engine_error,
    providers: envs.map((environment) => ({
      environment,
      providers: Object.entries(p.providers)
        .filter(([, v]) => v.environments.includes(environment))
        .map(([id, v]) => providerLine(id, v)),
    })),
    providers_without_environment: Object.entries(p.providers)
      .filter(([, v]) => v.environments.length === 0)
      .map(([id]) => id),
    // Highest sensitivity first: the order a reviewer cares about.
    classes: [...DATA_CLASSES].reverse().map((c) => ({
      class: c,
      action: p.classes[c].action,
      mode: mode(p.classes[c].mode),
      min_confidence: p.classes[c].min_confidence ?? 0.5,
    })),
    detectors: {
      builtin: catalogue.length,
      enabled: catalogue.length - disabled.length,
      disabled,
      configured: Object.keys(p.detectors.builtin).filter((id) => !disabled.includes(id)),
      custom: p.detectors.custom.map((r) => ({
        id: r.id,
        class: r.class,
        mode: mode(r.mode ?? p.classes[r.class].mode),
        keywords: r.keywords.length,
      })),
    },
    data_dictionary: {
      columns: loaded.dictionary.size,
      by_class: byClass,
      imports: imports === undefined ? [] : Array.isArray(imports) ? imports : [imports],
      reviewed: p.data_dictionary.reviewed,
    },
    integrations: Object.entries(p.integrations)
      .filter(([, v]) => !opts.environment || v.environments.includes(opts.environment))
      .map(([id, v]) => ({
        id,
        owner: v.owner,
        environments: v.environments,
        providers: v.providers,
        max_class: v.max_class,
        mode: mode(v.mode),
      })),
    output: {
      leak_classes: p.output.leak_classes,
      on_leak: p.output.on_leak,
      internal_hosts: p.output.internal_hosts.length,
      mode: mode(p.output.mode),
    },
    unscannable_parts: p.input.unscannable_parts,
    audit_on_failure: p.audit.on_failure,
  };
}

function providerLine(id: string, v: Policy["providers"][string]): ProviderLine {
  return {
    id,
    kind: v.kind,
    status: v.status,
    max_class: v.max_class,
    zero_data_retention: v.zero_data_retention,
  };
}
