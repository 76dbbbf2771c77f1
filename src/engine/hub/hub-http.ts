/**
 * Talking to the Hub's resolve endpoint: `{endpoint}/{org}/{name}/resolve/{revision}/{file}`.
 * A HEAD request gives the file's identity without its body: `X-Repo-Commit` (the commit the
 * revision points at), `ETag` / `X-Linked-Etag` (git blob id, or sha256 for LFS files) and the size.
 * LFS files answer with a 302/307 to a CDN; the metadata is on that redirect, the bytes behind it.
 */

export interface HubContext {
  endpoint: string;
  repoId: string;
  /** The revision the user asked for (requests may be pinned to its commit), for messages. */
  revision: string;
  token?: string;
  /** Where the model would be cached, for error messages. */
  cacheRoot: string;
}

export interface FileMetadata {
  commit: string | undefined;
  etag: string;
  size: number | undefined;
  /** Where to GET the bytes (the CDN location for LFS files). */
  downloadUrl: string;
}

/** Why the Hub refused a file: lets callers treat a missing optional file as normal. */
export class HubFileError extends Error {
  constructor(message: string, readonly status: number, readonly errorCode: string | undefined) {
    super(message);
  }
  get isMissingEntry(): boolean {
    return this.status === 404 && this.errorCode !== 'RepoNotFound' && this.errorCode !== 'RevisionNotFound';
  }
}

export function resolveUrl(ctx: HubContext, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${ctx.endpoint.replace(/\/+$/, '')}/${ctx.repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}

export function requestHeaders(ctx: HubContext, url: string, extra: Record<string, string> = {}): Record<string, string> {
  // identity: a transparently gunzipped body would not match Content-Length, ranges or hashes.
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'reverie (node)', ...extra };
  // The token goes to the Hub only, never to the CDN hosts it redirects to.
  if (ctx.token && new URL(url).origin === new URL(ctx.endpoint).origin) headers.authorization = `Bearer ${ctx.token}`;
  return headers;
}

/** fetch() with network failures turned into an actionable message. */
export async function hubFetch(ctx: HubContext, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError' || (e as Error).name === 'TimeoutError') throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new Error(
      `Could not reach ${new URL(url).origin} to download ${ctx.repoId} (${why}). ` +
      `Check the network or HF_ENDPOINT; to work offline, disable downloads and use a model that is already in the ` +
      `Hugging Face cache (${ctx.cacheRoot}), e.g. downloaded earlier or with \`huggingface-cli download ${ctx.repoId}\`.`,
    );
  }
}

/** Turns a non-success answer into an error saying what is wrong and what to do. */
export function httpError(ctx: HubContext, res: Response, file: string): HubFileError {
  const code = res.headers.get('x-error-code') ?? undefined;
  const revision = ctx.revision;
  const at = `${ctx.repoId}@${revision}`;
  let msg: string;
  if (res.status === 404 && code === 'RepoNotFound') {
    msg = `Repository ${ctx.repoId} was not found on ${ctx.endpoint} (check the id; a private repository also needs HF_TOKEN).`;
  } else if (res.status === 404 && code === 'RevisionNotFound') {
    msg = `Revision '${revision}' was not found in ${ctx.repoId}.`;
  } else if (res.status === 404 && code === 'EntryNotFound') {
    msg = `${at} has no file '${file}'.`;
  } else if (res.status === 404) {
    msg = `Not found (404): ${file} in ${at} — either the repository or revision does not exist, or it has no such file.`;
  } else if (res.status === 401 || res.status === 403) {
    const gated = code === 'GatedRepo' ? 'is gated' : 'is gated or private (or does not exist)';
    msg = ctx.token
      ? `Access to ${ctx.repoId} was refused (HTTP ${res.status}): the repository ${gated} and the token in HF_TOKEN has no access to it. ` +
        `Accept the model's terms on its Hub page with that account, or use a token that has access.`
      : `Access to ${ctx.repoId} was refused (HTTP ${res.status}): the repository ${gated}. ` +
        `Set HF_TOKEN to a Hugging Face access token with access to it (and accept the model's terms on its Hub page).`;
  } else {
    msg = `The Hub answered HTTP ${res.status} ${res.statusText} for ${file} in ${at}.`;
  }
  return new HubFileError(msg, res.status, code);
}

/** The ETag value without weak marker and quotes, as huggingface_hub normalises it. */
function normalizeEtag(raw: string | null): string | undefined {
  if (!raw) return undefined;
  return raw.replace(/^W\//, '').replace(/^"|"$/g, '');
}

const MAX_REDIRECTS = 10;

/**
 * HEAD on the resolve URL. Redirects that carry no file metadata (a renamed repository) are
 * followed; the first answer that has it (200, or the 302 to the CDN) is used.
 */
export async function fetchMetadata(ctx: HubContext, revision: string, file: string, signal?: AbortSignal): Promise<FileMetadata> {
  let url = resolveUrl(ctx, revision, file);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await hubFetch(ctx, url, { method: 'HEAD', redirect: 'manual', headers: requestHeaders(ctx, url), signal });
    const location = res.headers.get('location');
    const commit = res.headers.get('x-repo-commit') ?? undefined;
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    const isRedirect = res.status >= 300 && res.status < 400 && location;
    if (isRedirect && !(commit || etag)) {
      url = new URL(location, url).toString();
      continue;
    }
    if (!isRedirect && !res.ok) throw httpError(ctx, res, file);
    if (!etag) throw new Error(`${url}: the server sent no ETag, so the file cannot be cached (is ${ctx.endpoint} a Hugging Face Hub endpoint?)`);
    const sizeHeader = res.headers.get('x-linked-size') ?? (isRedirect ? null : res.headers.get('content-length'));
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
    return { commit, etag, size, downloadUrl: isRedirect ? new URL(location, url).toString() : url };
  }
  throw new Error(`${resolveUrl(ctx, revision, file)}: more than ${MAX_REDIRECTS} redirects`);
}
