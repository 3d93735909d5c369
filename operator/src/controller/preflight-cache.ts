// Pre-flight results by content: checking the project files means writing them to a temp folder
// and running the worker's loaders, too slow to repeat on every resync of every project. The
// result depends only on the files and the profile, so it is cached by their hash (bounded, LRU).
import { canonicalJson, sha256, type Problem } from '../render/index.js';
import { preflightProject } from '../render/preflight.js';

export class PreflightCache {
  private readonly results = new Map<string, Promise<Problem[]>>();

  constructor(private readonly capacity = 500) {}

  check(files: Record<string, string>, profile: string | undefined): Promise<Problem[]> {
    const key = sha256(canonicalJson({ files, profile: profile ?? null }));
    const hit = this.results.get(key);
    if (hit) {
      // Re-insert: the most recently used entry is evicted last.
      this.results.delete(key);
      this.results.set(key, hit);
      return hit;
    }
    const result = preflightProject(files, { profile });
    this.results.set(key, result);
    // A failure (e.g. the temp folder could not be written) is not a verdict on the files.
    result.catch(() => this.results.delete(key));
    if (this.results.size > this.capacity) this.results.delete(this.results.keys().next().value!);
    return result;
  }
}
