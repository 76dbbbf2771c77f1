/**
 * Prompt checks that need the tokenizer: banned text (case-insensitive substring of the decoded
 * prompt) and the decode→encode round trip. A failing candidate is rejected and counted, never
 * evaluated, and never an error.
 */
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { EpoConfig } from './config';

export type PromptVerdict = 'ok' | 'banned' | 'retokenize';

export class PromptChecker {
  private readonly banned: string[];
  private readonly retokenize: boolean;

  constructor(private readonly tokenizer: Tokenizer, config: Pick<EpoConfig, 'bannedText' | 'retokenize'>) {
    this.banned = config.bannedText.map((s) => s.toLowerCase());
    this.retokenize = config.retokenize;
  }

  /** Whether a check can fail at all (lets callers skip the decode). */
  get active(): boolean {
    return this.retokenize || this.banned.length > 0;
  }

  check(ids: ArrayLike<number>): PromptVerdict {
    if (!this.active) return 'ok';
    const list = Array.from(ids);
    const text = this.tokenizer.decode(list);
    if (this.banned.length) {
      const lower = text.toLowerCase();
      if (this.banned.some((b) => lower.includes(b))) return 'banned';
    }
    if (this.retokenize) {
      const again = this.tokenizer.encode(text);
      if (again.length !== list.length || again.some((id, i) => id !== list[i])) return 'retokenize';
    }
    return 'ok';
  }
}
