import { discoverEndpoints } from '../../worker/src/endpoints/index.js';
import { loadSiteConfig } from '../../worker/src/config/site.js';
for (const dir of ['examples/quickstart', 'test/fixtures/conformance', 'test/fixtures/failing-tests', 'test/fixtures/bad-project']) {
  const repoRoot = new URL(`../../${dir}`, import.meta.url).pathname;
  let site: any;
  try { site = (loadSiteConfig as any)(repoRoot); } catch (e) { console.log(dir, 'site error', (e as Error).message); }
  const r: any = discoverEndpoints({ repoRoot, site } as any);
  console.log(`== ${dir}: ok ${r.endpoints?.length}`, (r.endpoints ?? []).map((e: any) => e.name ?? e.definition?.name ?? e.definition?.uri).join(', '));
  for (const f of r.failures ?? []) console.log('  FAIL', f.path, '-', f.errors.map((e: any) => e.message).join(' / '));
}
