/** Feature discovery needs TypeScript's parser: loaded on first use (engine/features/typescript-tools.ts). */
export { typescriptTools as discovery } from '../engine/features/typescript-tools';
