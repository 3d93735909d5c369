// Which profile is active (MXCP-SPEC §1): `--profile`, then `MXCP_PROFILE`,
// then `profile:` in mxcp-site.yml. First one set wins.
import type { SiteConfig } from './site-schema.js';

export function resolveProfile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  site: Pick<SiteConfig, 'profile'>,
): string {
  if (flag) return flag;
  if (env.MXCP_PROFILE) return env.MXCP_PROFILE;
  return site.profile;
}
