/** The panel's buttons: a vscode-button with a codicon, secondary unless it is the main action. */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';

export function button(label: string, icon: string, onClick: () => void, primary = false): VscodeButton {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.icon = icon;
  b.secondary = !primary;
  // Ignored while disabled: the header disables Pause, Stop and Run again by run state.
  b.addEventListener('click', () => { if (!b.disabled) onClick(); });
  return b;
}
