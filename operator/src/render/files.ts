// The project files the worker sees: the CR's inline files or the referenced
// ConfigMap's, with mxcp-site.yml merged with the CR's site overrides and the
// cluster's audit location. Also the ConfigMap key encoding (keys cannot hold
// "/": a path's "/" is written "__").
import { isMap, parseDocument, type Document } from 'yaml';
import type { MxcpProject } from '../api/index.js';
import { PATHS } from './names.js';
import type { Problem } from './problems.js';

export const SITE_FILE = 'mxcp-site.yml';
/** A ConfigMap's data (keys and values) must stay below 1 MiB. */
export const MAX_CONFIGMAP_BYTES = 1_048_576;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

export function encodeConfigMapKey(path: string): string {
  return path.replaceAll('/', '__');
}

/** The files of a user's ConfigMap (keys written with "__" for "/"), by path. */
export function decodeConfigMapFiles(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key.replaceAll('__', '/'), value]));
}

/** Problems with the file paths themselves: shape, escapes, ConfigMap key clashes and size. */
export function checkFilePaths(files: Record<string, string>, field: string): Problem[] {
  const problems: Problem[] = [];
  const keys = new Map<string, string>();
  let bytes = 0;
  for (const path of Object.keys(files).sort()) {
    const at = `${field}[${JSON.stringify(path)}]`;
    const segments = path.split('/');
    if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) {
      problems.push({
        field: at,
        message: `invalid file path '${path}': use a relative path of letters, digits, '_', '-' and '.', separated by '/'`,
      });
      continue;
    }
    const key = encodeConfigMapKey(path);
    if (!CONFIGMAP_KEY.test(key) || key.length > 253) {
      problems.push({
        field: at,
        message: `file path '${path}' is too long for a ConfigMap key (253 characters)`,
      });
    }
    const clash = keys.get(key);
    if (clash)
      problems.push({
        field: at,
        message: `files '${clash}' and '${path}' map to the same ConfigMap key '${key}'`,
      });
    keys.set(key, path);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(files[path]);
  }
  if (bytes > MAX_CONFIGMAP_BYTES) {
    problems.push({
      field,
      message: `project files total ${bytes} bytes; a ConfigMap holds at most ${MAX_CONFIGMAP_BYTES}`,
    });
  }
  return problems;
}

export interface SiteFacts {
  project: string;
  /** The profile served: spec.profile, else the site file's `profile:`. */
  profile: string;
  document: Document;
}

/** Reads what render needs from mxcp-site.yml; full validation is pre-flight's job. */
export function readSite(
  files: Record<string, string>,
  specProfile: string | undefined,
): SiteFacts | Problem[] {
  const text = files[SITE_FILE];
  if (text === undefined) return [{ file: SITE_FILE, message: 'the project has no mxcp-site.yml' }];
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    return document.errors.map((e) => ({
      file: SITE_FILE,
      line: e.linePos?.[0].line,
      column: e.linePos?.[0].col,
      message: e.message.split('\n')[0],
    }));
  }
  if (!isMap(document.contents)) return [{ file: SITE_FILE, message: 'mxcp-site.yml must be a mapping' }];
  const project = document.get('project');
  const declared = document.get('profile');
  const problems: Problem[] = [];
  if (typeof project !== 'string' || project === '') {
    problems.push({ file: SITE_FILE, field: 'project', message: 'project is required (a non-empty string)' });
  }
  const profile = specProfile ?? declared;
  if (typeof profile !== 'string' || profile === '') {
    problems.push({
      file: SITE_FILE,
      field: 'profile',
      message: 'profile is required (or set spec.profile)',
    });
  }
  if (problems.length > 0) return problems;
  return { project: project as string, profile: profile as string, document };
}

/** mxcp-site.yml with the CR's overrides and the audit file location applied; comments are kept. */
export function mergeSite(project: MxcpProject, site: SiteFacts): string {
  const doc = site.document.clone();
  const overrides = project.spec.site;
  if (overrides?.sqlTools) {
    ensureMap(doc, ['sql_tools']);
    doc.setIn(['sql_tools', 'enabled'], overrides.sqlTools.enabled);
  }
  if (overrides?.extensions?.length) {
    const existing = (doc.toJS().extensions ?? []) as unknown[];
    const overridden = new Set(overrides.extensions.map((e) => e.name));
    const kept = (Array.isArray(existing) ? existing : [existing]).filter((e) => {
      const name = typeof e === 'string' ? e : (e as { name?: unknown })?.name;
      return !overridden.has(name as string);
    });
    doc.set('extensions', [...kept, ...overrides.extensions.map((e) => (e.repo ? { ...e } : e.name))]);
  }
  if (project.spec.audit?.enabled) {
    const profilePath = ['profiles', site.profile];
    ensureMap(doc, ['profiles']);
    ensureMap(doc, profilePath);
    ensureMap(doc, [...profilePath, 'audit']);
    // The audit volume is the cluster's choice; MXCP_AUDIT_ENABLED in the pod says whether it is used.
    doc.setIn([...profilePath, 'audit', 'enabled'], true);
    doc.setIn([...profilePath, 'audit', 'path'], `${PATHS.audit}/logs-${site.profile}.jsonl`);
  }
  return doc.toString();
}

/** `key:` with no value (null) or no key at all becomes an empty mapping, so setIn can descend. */
function ensureMap(doc: Document, path: string[]): void {
  if (!isMap(doc.getIn(path))) doc.setIn(path, doc.createNode({}));
}

/** The files the worker mounts: the project's, with the merged mxcp-site.yml. */
export function renderedFiles(project: MxcpProject, files: Record<string, string>, site: SiteFacts) {
  return { ...files, [SITE_FILE]: mergeSite(project, site) };
}
