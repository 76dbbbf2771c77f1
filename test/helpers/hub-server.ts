/**
 * A local stand-in for the Hugging Face Hub's file endpoints, on 127.0.0.1 only, for download
 * tests without a network. It answers the way huggingface.co does:
 *   GET|HEAD /{org}/{name}/resolve/{revision}/{file}
 *     small files: 200 with ETag = git blob id, X-Repo-Commit, Content-Length;
 *     LFS files (*.safetensors): 302 to /cdn/{sha256} with X-Linked-Etag (sha256), X-Linked-Size, X-Repo-Commit;
 *     unknown repo / revision / file: 404 with X-Error-Code RepoNotFound / RevisionNotFound / EntryNotFound;
 *     gated repo without the right bearer token: 401 with X-Error-Code GatedRepo.
 *   GET /cdn/{sha256}: the bytes, honouring Range with 206 + Content-Range.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface FixtureRepo {
  /** org/name */
  id: string;
  /** Folder whose files the repository serves. */
  dir: string;
  /** 40-hex commit that `main` points at. */
  commit: string;
  gated?: boolean;
  /** Serve only these files of `dir` (default: all). */
  files?: string[];
}

export interface HubServerOptions {
  repos: FixtureRepo[];
  /** The bearer token that opens gated repositories. */
  token?: string;
  /** Cut the connection half-way through the first CDN transfer of this file. */
  cutFirstTransferOf?: string;
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Send absolute CDN Locations (http://127.0.0.1:port/cdn/...) instead of relative ones. */
  absoluteRedirects?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status: number;
}

export interface HubServer {
  endpoint: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface Blob { bytes: Buffer; sha256: string; gitSha1: string; lfs: boolean }

function blobOf(bytes: Buffer, name: string): Blob {
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
    lfs: name.endsWith('.safetensors'),
  };
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const repos = new Map(opts.repos.map((r) => {
    const names = r.files ?? readdirSync(r.dir);
    return [r.id, { ...r, blobs: new Map(names.map((n) => [n, blobOf(readFileSync(join(r.dir, n)), n)])) }] as const;
  }));
  const cdn = new Map<string, { blob: Blob; name: string }>();
  for (const r of repos.values()) for (const [name, b] of r.blobs) cdn.set(b.sha256, { blob: b, name });
  const requests: RecordedRequest[] = [];
  const cutDone = new Set<string>();

  function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Buffer): void {
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, extra: Record<string, string> = {}): void {
    send(req, res, status, { 'x-error-code': code, 'x-error-message': code, 'content-type': 'text/plain', ...extra }, Buffer.from(code));
  }

  /** Range support, as the CDN has it. */
  function sendBytes(req: IncomingMessage, res: ServerResponse, blob: Blob, name: string, headers: Record<string, string | number>): void {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m && !opts.ignoreRange ? Number(m[1]) : 0;
    if (from > blob.bytes.length) return refuse(req, res, 416, 'RangeNotSatisfiable');
    const body = blob.bytes.subarray(from);
    const status = m && !opts.ignoreRange ? 206 : 200;
    const all = { ...headers, 'content-length': body.length, 'accept-ranges': 'bytes',
      ...(status === 206 ? { 'content-range': `bytes ${from}-${blob.bytes.length - 1}/${blob.bytes.length}` } : {}) };
    if (req.method === 'GET' && name === opts.cutFirstTransferOf && !cutDone.has(name)) {
      cutDone.add(name);
      res.writeHead(status, all);
      // Half the promised bytes, then drop the connection.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    send(req, res, status, all, body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    res.on('finish', () => record(res.statusCode));
    res.on('close', () => { if (!res.writableFinished) record(res.statusCode); });
    let recorded = false;
    function record(status: number): void {
      if (recorded) return;
      recorded = true;
      requests.push({ method: req.method ?? '', path, range: req.headers.range, authorization: req.headers.authorization, status });
    }

    const cdnMatch = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdnMatch) {
      const hit = cdn.get(cdnMatch[1]);
      if (!hit) return refuse(req, res, 404, 'NotFound');
      return sendBytes(req, res, hit.blob, hit.name, { etag: `"${hit.blob.sha256}"` });
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!m) return refuse(req, res, 404, 'NotFound');
    const [, repoId, revision, file] = m;
    const repo = repos.get(repoId);
    if (!repo) return refuse(req, res, 404, 'RepoNotFound');
    if (repo.gated && req.headers.authorization !== `Bearer ${opts.token}`) return refuse(req, res, 401, 'GatedRepo');
    if (revision !== 'main' && revision !== repo.commit) return refuse(req, res, 404, 'RevisionNotFound');
    const blob = repo.blobs.get(file);
    if (!blob) return refuse(req, res, 404, 'EntryNotFound', { 'x-repo-commit': repo.commit });
    if (blob.lfs) {
      const location = `${opts.absoluteRedirects ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : ''}/cdn/${blob.sha256}`;
      return send(req, res, 302, {
        location, 'x-repo-commit': repo.commit, 'x-linked-etag': `"${blob.sha256}"`, 'x-linked-size': blob.bytes.length,
        etag: `"${blob.sha256}"`, 'content-length': 0,
      });
    }
    return sendBytes(req, res, blob, file, { etag: `"${blob.gitSha1}"`, 'x-repo-commit': repo.commit });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((ok, fail) => {
      server.closeAllConnections();
      server.close((e) => (e ? fail(e) : ok()));
    }),
  };
}
