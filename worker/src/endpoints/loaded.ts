// What discovery hands to the rest of the worker: endpoints that passed every
// static check, the files that failed (with all their errors), and the
// endpoints switched off with `enabled: false`.
import type { ConfigError } from '../config/errors.js';
import type { PathSegment, Position } from '../config/yaml-source.js';
import type { EndpointKind, PromptDefinition, ResourceDefinition, ToolDefinition } from './schema.js';

/** Where an endpoint's implementation comes from, resolved and read at load time. */
export type EndpointSource =
  | {
      kind: 'sql';
      /** The SQL text, inline or read from `file`. */
      sql: string;
      /** Absolute path of the SQL file, when the SQL came from one. */
      file?: string;
    }
  | {
      kind: 'python';
      /** Absolute path of the Python module. */
      file: string;
    };

export interface LoadedEndpoint {
  kind: EndpointKind;
  /** Tool or prompt name; the URI (template) for a resource. */
  name: string;
  /** The YAML file, relative to the repository root (forward slashes). */
  path: string;
  absolutePath: string;
  definition: ToolDefinition | ResourceDefinition | PromptDefinition;
  /** Tools and resources only. */
  source?: EndpointSource;
  /** Line and column of a field in the YAML file, e.g. `['tool', 'parameters', 0, 'name']`. */
  locate(path: readonly PathSegment[]): Position;
}

export interface EndpointFailure {
  /** The YAML file, relative to the repository root. */
  path: string;
  kind?: EndpointKind;
  name?: string;
  errors: ConfigError[];
}

export interface DiscoveryResult {
  endpoints: LoadedEndpoint[];
  failures: EndpointFailure[];
  disabled: LoadedEndpoint[];
}
