/** The webview's handle on the host: typed posting, and state that survives hiding and reloads. */
import type { WebviewMessage } from '../src/protocol/panel';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** acquireVsCodeApi may be called only once per page. */
export function connectHost(): Host {
  if (typeof acquireVsCodeApi !== 'function') {
    throw new Error('Reverie panel: acquireVsCodeApi is not defined (this page must run inside a VS Code webview or the panel harness)');
  }
  const api = acquireVsCodeApi();
  return {
    post: (m) => api.postMessage(m),
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  };
}
