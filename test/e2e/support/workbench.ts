/**
 * Driving the VS Code workbench (code-server's web build) the way a user does: quick open, the
 * command palette, editor clicks and context menus, tabs, notifications, the Problems view. The
 * selectors are VS Code's own DOM classes (pinned by the code-server version in infra/tools.mjs).
 */
import type { Locator, Page } from 'playwright-core';
import { sleep, waitUntil } from './wait';

const texts = async (l: Locator) => (await l.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());

export class Workbench {
  constructor(readonly page: Page, private readonly url: string, private readonly folder: string) {}

  /** Loads the workbench with the workspace folder and waits until it is usable. */
  async open(): Promise<void> {
    // The first load fetches and compiles the whole workbench: generous, for a loaded CI machine.
    await this.page.goto(`${this.url}/?folder=${encodeURIComponent(this.folder)}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await waitUntil('the workbench to load (.monaco-workbench with its status bar)', async () => {
      const n = await this.page.locator('.monaco-workbench .part.statusbar').count();
      return { ok: n > 0, seen: n ? 'workbench' : `page ${this.page.url()} without a workbench` };
    }, 90_000);
  }

  // ─── quick input ─────────────────────────────────────────────────────────────────────────────

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Types into the quick input and accepts the focused row once its label is `label`. */
  private async acceptRow(label: string | RegExp, what: string): Promise<void> {
    const row = this.page.locator('.quick-input-list .monaco-list-row.focused .label-name');
    const matches = (s: string) => (typeof label === 'string' ? s === label : label.test(s));
    await waitUntil(`the quick input to offer ${what}`, async () => {
      const shown = await texts(row);
      const all = await texts(this.page.locator('.quick-input-list .monaco-list-row .label-name'));
      return { ok: shown.some(matches), seen: `focused ${JSON.stringify(shown)}, rows ${JSON.stringify(all.slice(0, 8))}` };
    }, 30_000);
    await this.page.keyboard.press('Enter');
    await waitUntil('the quick input to close', async () => {
      const visible = await this.quickInput().isVisible();
      return { ok: !visible, seen: visible ? 'still open' : 'closed' };
    }, 10_000);
  }

  /**
   * Quick Open (Ctrl+P) a workspace file by name; resolves when its tab is active. A file the test
   * has just written may not be in Quick Open's file index yet ("No matching results"): the search
   * is typed again until it is, as a user would.
   */
  async openFile(name: string, tabTitle = name): Promise<void> {
    const row = this.page.locator('.quick-input-list .monaco-list-row.focused .label-name');
    await waitUntil(`Quick Open to offer the file ${name}`, async () => {
      await this.focusWorkbench();
      await this.page.keyboard.press('Control+P');
      await this.quickInput().locator('input').waitFor({ state: 'visible' });
      await this.page.keyboard.type(name);
      const t0 = Date.now();
      let shown: string[] = [];
      while (Date.now() - t0 < 5000) {
        shown = await texts(row);
        if (shown.includes(name)) return { ok: true, seen: '' };
        await sleep(200);
      }
      const all = await texts(this.page.locator('.quick-input-list .monaco-list-row .label-name'));
      await this.page.keyboard.press('Escape');
      return { ok: false, seen: `focused ${JSON.stringify(shown)}, rows ${JSON.stringify(all.slice(0, 8))}` };
    }, 45_000);
    await this.acceptRow(name, `the file ${name}`);
    await this.waitActiveTab(tabTitle);
  }

  /** Runs a command from the palette (F1) by its full title, e.g. "Developer: Reload Window". */
  async runCommand(title: string): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('F1');
    await this.quickInput().locator('input').waitFor({ state: 'visible' });
    await this.page.keyboard.type(title);
    await this.acceptRow(title, `the command "${title}"`);
  }

  /** Keyboard shortcuts go to the focused element: make sure it is the workbench, not a webview. */
  private async focusWorkbench(): Promise<void> {
    await this.page.keyboard.press('Escape');
    const editor = this.page.locator('.editor-group-container.active .monaco-editor textarea').first();
    if (await editor.count()) await editor.focus().catch(() => undefined);
    else await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
  }

  // ─── editors and tabs ────────────────────────────────────────────────────────────────────────

  /** Tab titles by aria-label ("features.ts", "Dream: neuron2_17"): the visible label splits off the extension. */
  private async ariaLabels(selector: string): Promise<string[]> {
    // With several editor groups VS Code appends ", Editor Group N".
    return this.page.locator(selector).evaluateAll((els) => els.map((e) => (e.getAttribute('aria-label') ?? '').replace(/, Editor Group \d+$/, '')));
  }

  /** The active editor group's title actions (the buttons right of its tabs), by label. */
  async editorTitleActions(): Promise<string[]> {
    return this.ariaLabels('.editor-group-container.active .editor-actions .action-label');
  }

  async tabTitles(): Promise<string[]> {
    return this.ariaLabels('.tabs-container .tab[role=tab]');
  }

  /** The active tab of the active editor group (each group has an active tab; only one group is active). */
  async activeTabTitles(): Promise<string[]> {
    return this.ariaLabels('.editor-group-container.active .tabs-container .tab.active[role=tab]');
  }

  async waitActiveTab(title: string, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`an active editor tab "${title}"`, async () => {
      const active = await this.activeTabTitles();
      return { ok: active.includes(title), seen: `active tabs ${JSON.stringify(active)}, all tabs ${JSON.stringify(await this.tabTitles())}` };
    }, timeoutMs);
  }

  async waitTab(title: string, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`an editor tab "${title}"`, async () => {
      const all = await this.tabTitles();
      return { ok: all.includes(title), seen: `tabs ${JSON.stringify(all)}` };
    }, timeoutMs);
  }

  /** Clicks the tab titled `title` until it is the active tab of the active group (tabs re-render while the workbench is busy). */
  async clickTab(title: string): Promise<void> {
    await waitUntil(`the tab "${title}" to become active after clicking it`, async () => {
      if (!(await this.activeTabTitles()).includes(title)) {
        const i = (await this.tabTitles()).indexOf(title);
        if (i >= 0) await this.page.locator('.tabs-container .tab[role=tab]').nth(i).click({ timeout: 5000 }).catch(() => undefined);
      }
      const active = await this.activeTabTitles();
      return { ok: active.includes(title), seen: `active tab ${JSON.stringify(active)}, tabs ${JSON.stringify(await this.tabTitles())}` };
    }, 30_000, 500);
  }

  /** Go to Line (Ctrl+G) in the active editor, which scrolls the line into view and puts the cursor on it. */
  async goToLine(line: number): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+G');
    await this.quickInput().locator('input').waitFor({ state: 'visible' });
    await this.page.keyboard.type(String(line));
    await sleep(300);
    await this.page.keyboard.press('Enter');
    await waitUntil(`the cursor on line ${line}`, async () => {
      const status = await texts(this.page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }));
      return { ok: status.some((st) => st.startsWith(`Ln ${line},`)), seen: `status bar ${JSON.stringify(status)}` };
    }, 10_000);
  }

  /** The rendered editor line containing `text` (the editor must have scrolled it into view). */
  editorLine(text: string): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: text }).first();
  }

  /** CodeLens titles currently rendered in the active editor. */
  async codeLenses(): Promise<string[]> {
    return texts(this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration a'));
  }

  /**
   * The CodeLens link with `title` rendered just above the line containing `lineText`. Lenses are
   * re-rendered whenever the provider refreshes (e.g. once TypeScript has analysed the file), so the
   * geometry is checked inside the retry, not once after the first sighting.
   */
  async codeLensAbove(lineText: string, title: string): Promise<Locator> {
    let found: Locator | null = null;
    await waitUntil(`a CodeLens "${title}" directly above "${lineText}"`, async () => {
      found = await this.lensAboveNow(lineText, title);
      return { ok: !!found, seen: `CodeLenses ${JSON.stringify(await this.codeLenses())}` };
    }, 60_000);
    return found!;
  }

  private async lensAboveNow(lineText: string, title: string): Promise<Locator | null> {
    const lineBox = await this.editorLine(lineText).boundingBox().catch(() => null);
    if (!lineBox) return null;
    const lenses = this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration a', { hasText: title });
    let best: { l: Locator; d: number } | null = null;
    for (let i = 0; i < (await lenses.count()); i++) {
      const b = await lenses.nth(i).boundingBox().catch(() => null);
      if (!b) continue;
      const d = lineBox.y - b.y;
      if (d > 0 && (!best || d < best.d)) best = { l: lenses.nth(i), d };
    }
    return best && best.d <= 2 * lineBox.height ? best.l : null;
  }

  // ─── context menu ────────────────────────────────────────────────────────────────────────────

  /** Labels of the open context menu (VS Code renders it in a shadow root, which locators pierce). */
  async contextMenuItems(): Promise<string[]> {
    return (await texts(this.page.locator('.monaco-menu .action-item .action-label'))).filter(Boolean);
  }

  async waitContextMenuItem(label: string): Promise<void> {
    await waitUntil(`the context menu to contain "${label}"`, async () => {
      const items = await this.contextMenuItems();
      return { ok: items.includes(label), seen: items.length ? `items ${JSON.stringify(items)}` : 'no context menu open' };
    }, 10_000);
  }

  async clickContextMenuItem(label: string): Promise<void> {
    await this.page.locator('.monaco-menu .action-item .action-label', { hasText: label }).first().click();
  }

  // ─── notifications ───────────────────────────────────────────────────────────────────────────

  /** Messages of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    return texts(this.page.locator('.notifications-toasts .notification-list-item-message'));
  }

  /** A toast whose message matches `text`. */
  toast(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-list-item', {
      has: this.page.locator('.notification-list-item-message', { hasText: text }),
    });
  }

  async waitNotification(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    return waitUntil(`a notification matching ${text}`, async () => {
      const all = await this.notifications();
      const hit = all.find((m) => (typeof text === 'string' ? m.includes(text) : text.test(m)));
      return { ok: !!hit, seen: `notifications ${JSON.stringify(all)}`, value: hit };
    }, timeoutMs);
  }

  async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
    await this.toast(text).locator('.monaco-button', { hasText: button }).first().click();
  }

  // ─── status bar ──────────────────────────────────────────────────────────────────────────────

  /** The status bar's items, as their visible text. */
  async statusBarItems(): Promise<string[]> {
    return (await texts(this.page.locator('.statusbar .statusbar-item'))).filter(Boolean);
  }

  async waitStatusBarItem(text: RegExp, present = true, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`a status bar item matching ${text} to be ${present ? 'shown' : 'gone'}`, async () => {
      const all = await this.statusBarItems();
      return { ok: all.some((m) => text.test(m)) === present, seen: `status bar ${JSON.stringify(all)}` };
    }, timeoutMs);
  }

  // ─── side bar ────────────────────────────────────────────────────────────────────────────────

  /** Rows of the side bar's views (each tree item's label and description), as text. */
  async sideBarRows(): Promise<string[]> {
    return texts(this.page.locator('.part.sidebar .monaco-list-row'));
  }

  // ─── problems ────────────────────────────────────────────────────────────────────────────────

  /** Rows of the Problems view (files and their markers), as text. */
  async problemRows(): Promise<string[]> {
    return texts(this.page.locator('.markers-panel .monaco-list-row'));
  }

  async problemAriaLabels(): Promise<string[]> {
    return this.ariaLabels('.markers-panel .monaco-list-row');
  }
}
