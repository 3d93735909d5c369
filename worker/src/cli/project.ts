// What most commands do first: find the project from the working directory,
// load both configs for the chosen profile, and open (compile) it.
import { loadProjectConfigAsync, type ProjectConfig } from '../config/index.js';
import { openProject, type OpenedProject, type OpenOptions } from '../engine/index.js';

export interface ProjectFlags {
  profile?: string;
  readonly?: boolean;
}

/** Resolves every reference of the active profile, vault:// and op:// included. */
export function loadConfig(flags: ProjectFlags): Promise<ProjectConfig> {
  return loadProjectConfigAsync({
    cwd: process.cwd(),
    profile: flags.profile,
    env: process.env,
    readonly: flags.readonly,
  });
}

export async function openFromFlags(flags: ProjectFlags, options: OpenOptions = {}): Promise<OpenedProject> {
  return openProject(await loadConfig(flags), options);
}
