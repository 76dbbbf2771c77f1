/** Tokens named by text in feature files must be exactly one token of the model's tokenizer. */
import type { Tokenizer } from '../tokenizers/tokenizer';

function show(piece: string): string {
  return `'${piece.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/'/g, "\\'")}'`;
}

/**
 * The id of the token whose text is `text`. Tokenizers that add a dummy-prefix space
 * (SentencePiece) encode ' dog' as '▁' + '▁dog', so the text without its leading space is tried
 * too, and finally the vocabulary itself is searched for a token displayed exactly as `text`.
 */
export function resolveTokenText(tokenizer: Tokenizer, text: string, modelName: string): number {
  const spellings = (ids: number[]) => ids.map((id) => tokenizer.tokenText(id));
  const direct = tokenizer.encode(text);
  if (direct.length === 1 && tokenizer.tokenText(direct[0]) === text) return direct[0];
  const trimmed = text.startsWith(' ') ? tokenizer.encode(text.slice(1)) : undefined;
  if (trimmed?.length === 1 && tokenizer.tokenText(trimmed[0]) === text) return trimmed[0];
  const exact: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (!tokenizer.specialIds.has(id) && tokenizer.tokenText(id) === text) exact.push(id);
  }
  // Byte-fallback tokens can display like ordinary pieces ('<0x2E>' and '.'): prefer the piece
  // the tokenizer itself produces for this text.
  if (exact.length >= 1) return exact.find((id) => direct.includes(id) || trimmed?.includes(id)) ?? exact[0];
  if (direct.length === 1) {
    throw new Error(`${show(text)} is not a token of ${modelName} as written; it encodes as ${describeToken(tokenizer, direct[0])} — write ${show(tokenizer.tokenText(direct[0]))}`);
  }
  // Show the tokenization that spells the text exactly (the dummy prefix would add a space).
  const faithful = [trimmed, direct].find((ids) => ids && spellings(ids).join('') === text) ?? direct;
  const pieces = spellings(faithful);
  throw new Error(`${show(text)} is ${pieces.length} tokens for ${modelName}: ${pieces.map(show).join(' ')} — give a single token`);
}

/** Checks a token id against the tokenizer and the model's embedding rows. */
export function checkTokenId(tokenizer: Tokenizer, id: number, vocabRows: number, modelName: string): number {
  const n = Math.min(tokenizer.vocabSize, vocabRows);
  if (!Number.isInteger(id) || id < 0 || id >= n) throw new Error(`token id ${id} is outside ${modelName}'s vocabulary (0–${n - 1})`);
  return id;
}

export function describeToken(tokenizer: Tokenizer, id: number): string {
  return `${show(tokenizer.tokenText(id))} (id ${id})`;
}
