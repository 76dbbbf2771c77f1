/**
 * One feature source file as CommonJS (TypeScript's transpileModule: types stripped, nothing
 * type-checked), with its source map, its syntax errors and the modules the emitted code requires.
 * The requires are read from the output, so imports TypeScript elides (only used as types) are not
 * imports at run time, and `require('x')` written by hand is one.
 */
import ts from 'typescript';

export interface SourcePoint {
  /** 1-based line and column in the source. */
  line: number;
  column: number;
}

export interface TranspiledModule {
  code: string;
  /** Source map (v3, JSON) of `code`; its one source is the file's base name. */
  map: string;
  errors: (SourcePoint & { message: string })[];
  /** Each distinct string required by the output, with where the source names it. */
  requires: (SourcePoint & { spec: string })[];
}

function point(file: ts.SourceFile, pos: number): SourcePoint {
  const { line, character } = file.getLineAndCharacterOfPosition(pos);
  return { line: line + 1, column: character + 1 };
}

const isRequire = (n: ts.Node): n is ts.CallExpression & { arguments: [ts.StringLiteral] } =>
  ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'require' && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0]);

/** Where the source first names each module specifier (imports, re-exports, import(), require()). */
function specifierSites(file: ts.SourceFile): Map<string, number> {
  const sites = new Map<string, number>();
  const visit = (n: ts.Node) => {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) spec = n.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) spec = n.moduleReference.expression;
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(n)) && n.arguments.length === 1) spec = n.arguments[0];
    if (spec && ts.isStringLiteral(spec) && !sites.has(spec.text)) sites.set(spec.text, spec.getStart(file));
    ts.forEachChild(n, visit);
  };
  visit(file);
  return sites;
}

export function transpileFeatureModule(fileName: string, text: string): TranspiledModule {
  const out = ts.transpileModule(text, {
    fileName, reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, esModuleInterop: false, isolatedModules: true },
  });
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const errors = (out.diagnostics ?? []).map((d) => ({
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    ...point(d.file ?? source, d.start ?? 0),
  }));
  const sites = specifierSites(source);
  const emitted = ts.createSourceFile('out.js', out.outputText, ts.ScriptTarget.ES2022, false);
  const requires: TranspiledModule['requires'] = [];
  const seen = new Set<string>();
  const visit = (n: ts.Node) => {
    if (isRequire(n) && !seen.has(n.arguments[0].text)) {
      const spec = n.arguments[0].text;
      seen.add(spec);
      requires.push({ spec, ...point(source, sites.get(spec) ?? 0) });
    }
    ts.forEachChild(n, visit);
  };
  visit(emitted);
  // The emitted code ends with a sourceMappingURL comment the bundle does not need.
  const code = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  return { code, map: out.sourceMapText ?? '{"version":3,"sources":[],"mappings":""}', errors, requires };
}
