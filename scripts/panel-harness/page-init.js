// Runs in the panel page before any of its scripts (Playwright addInitScript): stands in for what
// VS Code provides a webview — acquireVsCodeApi (state kept in sessionStorage so it survives a
// reload, as VS Code keeps it across a webview's re-creation) and the theme's CSS variables and body
// class — and installs the measurements the harness reads back.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by name from the harness (addInitScript)
function reverieHarnessInit(themes) {
  const STATE_KEY = 'reverie-harness-state';
  let acquired = false;
  window.__posted = [];
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return Object.freeze({
      postMessage(message) {
        window.__posted.push(message);
        window.__reverieHost(JSON.parse(JSON.stringify(message)));
      },
      getState() {
        const s = sessionStorage.getItem(STATE_KEY);
        return s === null ? undefined : JSON.parse(s);
      },
      setState(state) {
        sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
        return state;
      },
    });
  };

  // Theme: VS Code sets the variables on <html> and a class on <body>; so does this, as soon as they exist.
  window.__setTheme = (name) => {
    const t = themes[name];
    const html = document.documentElement;
    if (html) {
      html.removeAttribute('style');
      for (const [k, v] of Object.entries(t.vars)) html.style.setProperty(k, v);
    }
    if (document.body) {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      document.body.classList.add(t.bodyClass);
      document.body.dataset.vscodeThemeKind = t.kind;
      document.body.dataset.vscodeThemeId = t.id;
    }
  };
  const initial = sessionStorage.getItem('reverie-harness-theme') || 'dark';
  const applyWhenReady = new MutationObserver(() => {
    if (document.documentElement && document.body) {
      applyWhenReady.disconnect();
      window.__setTheme(initial);
    }
  });
  applyWhenReady.observe(document, { childList: true, subtree: true });

  // CSP violations and errors, for the harness to fail on.
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`));

  // Frame measurements: duration of every rAF callback (the panel renders in one), frame-to-frame
  // intervals while a monitor runs, and long animation frames as Chrome reports them.
  window.__perf = { raf: [], intervals: [], loaf: [], longtask: [] };
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => {
    const t0 = performance.now();
    try { cb(ts); } finally { window.__perf.raf.push(performance.now() - t0); }
  });
  window.__monitor = (on) => {
    window.__monitoring = on;
    if (!on) return;
    let last = performance.now();
    const tick = () => {
      if (!window.__monitoring) return;
      const now = performance.now();
      window.__perf.intervals.push(now - last);
      last = now;
      raf(tick);
    };
    raf(tick);
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__perf.loaf.push(e.duration);
        (window.__perf.loafDetail ??= []).push({
          start: Math.round(e.startTime), duration: Math.round(e.duration), render: Math.round(e.renderStart ? e.duration - (e.renderStart - e.startTime) : 0),
          blocking: Math.round(e.blockingDuration ?? 0),
          scripts: (e.scripts ?? []).map((s) => `${s.invoker} ${Math.round(s.duration)}ms ${s.sourceFunctionName ?? ''}@${(s.sourceURL ?? '').split('/').pop()}:${s.sourceCharPosition}`).slice(0, 4),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch { /* not supported */ }
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__perf.longtask.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  } catch { /* not supported */ }

  // Replays preloaded host messages as 'message' events, timing each handler run.
  window.__replay = async (messages, mode) => {
    const handle = [];
    const t0 = performance.now();
    for (const data of messages) {
      const s = performance.now();
      window.dispatchEvent(new MessageEvent('message', { data }));
      handle.push(performance.now() - s);
      if (mode === 'frame') await new Promise((r) => raf(() => r()));
      else await new Promise((r) => setTimeout(r, 0));
    }
    await new Promise((r) => raf(() => raf(() => r())));
    return { handle, totalMs: performance.now() - t0 };
  };
}
