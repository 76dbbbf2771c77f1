/**
 * SAEs by name, found in the Hugging Face cache like models: `hf:<org>/<repo>[@revision][/<path>]`
 * (a repo and the subfolder or file holding the SAE), or `release:<release>/<id>` for the SAELens
 * releases below, whose SAE ids are paths in their repos. saeLatent's object forms
 * ({ repo, path, revision } and { release, id }) arrive as these strings.
 *
 * Nothing is downloaded here: a missing SAE is an error that says which files to fetch into the
 * cache (the `huggingface-cli download` command).
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { hubCacheDir, RepoCache, type Env } from '../hub/cache-layout';

/**
 * Release → Hugging Face repo, for releases whose SAE id is its path in the repo. Source: SAELens's
 * `sae_lens/pretrained_saes.yaml` (jbloomAus/SAELens), its `repo_id` and `saes[].path` fields.
 * Releases whose ids are not paths (the Gemma Scope `-canonical` ones, which map an id to an
 * average_l0 folder) are not in this table: give the repo and the folder instead.
 */
export const SAE_RELEASES: Readonly<Record<string, { repo: string; format: 'saelens' | 'gemma-scope' }>> = {
  'gpt2-small-res-jb': { repo: 'jbloom/GPT2-Small-SAEs-Reformatted', format: 'saelens' },
  'gemma-scope-2b-pt-res': { repo: 'google/gemma-scope-2b-pt-res', format: 'gemma-scope' },
  'gemma-scope-2b-pt-mlp': { repo: 'google/gemma-scope-2b-pt-mlp', format: 'gemma-scope' },
  'gemma-scope-9b-pt-res': { repo: 'google/gemma-scope-9b-pt-res', format: 'gemma-scope' },
  'gemma-scope-9b-pt-mlp': { repo: 'google/gemma-scope-9b-pt-mlp', format: 'gemma-scope' },
};

export interface HubSae {
  repo: string;
  revision: string;
  path: string;
}

/** Whether `ref` names an SAE by Hub repo or release rather than by a path in the workspace. */
export function isNamedSae(ref: string): boolean {
  return ref.startsWith('hf:') || ref.startsWith('release:');
}

/** The repo, revision and in-repo path `ref` names. */
export function parseNamedSae(ref: string): HubSae {
  if (ref.startsWith('release:')) {
    const rest = ref.slice('release:'.length);
    const slash = rest.indexOf('/');
    const [release, id] = slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash + 1)];
    const r = SAE_RELEASES[release];
    if (!r) {
      const hint = release.endsWith('-canonical') ? ' (canonical ids name no folder by themselves: give { repo, path } with the average_l0 folder)' : '';
      throw new Error(`SAE release '${release}' is not one Reverie knows${hint}; known releases: ${Object.keys(SAE_RELEASES).join(', ')}`);
    }
    if (!id) throw new Error(`SAE release '${release}' needs an id (the SAE's path in ${r.repo}, e.g. ${r.format === 'gemma-scope' ? "'layer_12/width_16k/average_l0_82'" : "'blocks.8.hook_resid_pre'"})`);
    return { repo: r.repo, revision: 'main', path: id };
  }
  const m = /^hf:([\w.-]+\/[\w.-]+)(?:@([\w./-]+?))?(?:\/(.+))?$/.exec(ref);
  if (!m) throw new Error(`'${ref}' is not an SAE name: expected hf:<org>/<repo>[@revision][/<path>]`);
  return { repo: m[1], revision: m[2] ?? 'main', path: m[3] ?? '' };
}

/** The local folder or file of a named SAE in the Hugging Face cache. */
export async function resolveNamedSae(ref: string, env: Env = process.env, cacheDir?: string): Promise<string> {
  const { repo, revision, path } = parseNamedSae(ref);
  const cache = new RepoCache(hubCacheDir(cacheDir, env), repo);
  const commit = await cache.commitFor(revision);
  const fetch = `huggingface-cli download ${repo}${revision === 'main' ? '' : ` --revision ${revision}`}${path ? ` --include '${path}/*'` : ''}`;
  if (!commit) throw new Error(`SAE '${ref}': ${repo} (${revision}) is not in the Hugging Face cache at ${cache.root}; fetch it with \`${fetch}\``);
  const local = join(cache.snapshotDir(commit), ...path.split('/').filter(Boolean));
  const exists = await stat(local).then(() => true, () => false);
  if (!exists) throw new Error(`SAE '${ref}': ${path || 'the repo root'} is not in the cached snapshot ${commit.slice(0, 8)} of ${repo}; fetch it with \`${fetch}\``);
  return local;
}
