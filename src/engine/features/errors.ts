/** Problems with a feature file, located in the user's source (1-based line and column). */

export type FeatureErrorCode =
  | 'untrusted' // evaluation refused: the workspace is not trusted
  | 'outside-workspace' // the file, an import, a vector or an SAE lies outside the workspace root
  | 'syntax' // the bundler could not parse or resolve the file
  | 'import' // an import other than 'reverie' or a relative file
  | 'timeout' // top-level code or an objective ran past its time limit
  | 'runtime' // user code threw
  | 'options' // defineFeature's options are invalid
  | 'objective' // the objective does not fit the model (shape, layer, hook, token, vector, SAE)
  | 'unexported'; // a defineFeature result no export holds (a warning)

export class FeatureError extends Error {
  override name = 'FeatureError';
  constructor(
    message: string,
    /** Absolute path of the file the problem is in. */
    readonly file: string,
    /** 1-based line. */
    readonly line: number,
    /** 1-based column. */
    readonly column: number,
    readonly code: FeatureErrorCode,
    /** The feature concerned (its export name), when the problem is one feature's. */
    readonly featureName?: string,
    readonly severity: 'error' | 'warning' = 'error',
  ) {
    super(message);
  }

  /** `file:line:column: feature 'x': message`, as compilers print diagnostics. */
  format(): string {
    return `${this.file}:${this.line}:${this.column}: ${this.severity === 'warning' ? 'warning: ' : ''}${this.featureName ? `feature '${this.featureName}': ` : ''}${this.message}`;
  }
}

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}
