/**
 * Finds exported `defineFeature(…)` calls in a file without running it (TypeScript's parser, no
 * type checker), for CodeLens and menus. Recognised forms:
 *   export const a = defineFeature({…});          (also `as` / `satisfies` / parentheses around it)
 *   export default defineFeature({…});           (exportName 'default')
 *   const a = defineFeature({…}); export { a, a as b };
 * with `defineFeature` imported from 'reverie' by name, under an alias
 * (`import { defineFeature as df }`), or through a namespace (`import * as r`; `r.defineFeature`).
 */
import ts from 'typescript';

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column. */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface DiscoveredFeature {
  exportName: string;
  /** `name` from the options when it is a string literal. */
  name?: string;
  /** `model` from the options when it is a string literal. */
  model?: string;
  /** The whole declaration (`export const a = defineFeature(…);`). */
  range: Range;
  /** The `defineFeature(…)` call alone. */
  callRange: Range;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) {
    e = e.expression;
  }
  return e;
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function stringValue(e: ts.Expression | undefined): string | undefined {
  if (!e) return undefined;
  const u = unwrap(e);
  return ts.isStringLiteral(u) || ts.isNoSubstitutionTemplateLiteral(u) ? u.text : undefined;
}

function optionString(call: ts.CallExpression, key: string): string | undefined {
  const arg = call.arguments[0] && unwrap(call.arguments[0]);
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  for (const p of arg.properties) {
    if (ts.isPropertyAssignment(p) && p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key) return stringValue(p.initializer);
  }
  return undefined;
}

/** The names under which `defineFeature` from 'reverie' is reachable in this file. */
function importedNames(sf: ts.SourceFile): { direct: Set<string>; namespaces: Set<string> } {
  const direct = new Set<string>(), namespaces = new Set<string>();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== 'reverie') continue;
    const b = st.importClause?.namedBindings;
    if (b && ts.isNamespaceImport(b)) namespaces.add(b.name.text);
    if (b && ts.isNamedImports(b)) {
      for (const el of b.elements) if ((el.propertyName ?? el.name).text === 'defineFeature') direct.add(el.name.text);
    }
  }
  return { direct, namespaces };
}

export function discoverFeatures(fileName: string, text: string): DiscoveredFeature[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const { direct, namespaces } = importedNames(sf);
  const isDefineCall = (e: ts.Expression | undefined): e is ts.CallExpression => {
    if (!e) return false;
    const u = unwrap(e);
    if (!ts.isCallExpression(u)) return false;
    const callee = unwrap(u.expression);
    if (ts.isIdentifier(callee)) return direct.has(callee.text);
    return ts.isPropertyAccessExpression(callee) && callee.name.text === 'defineFeature'
      && ts.isIdentifier(callee.expression) && namespaces.has(callee.expression.text);
  };
  const range = (node: ts.Node): Range => ({
    start: sf.getLineAndCharacterOfPosition(node.getStart(sf)),
    end: sf.getLineAndCharacterOfPosition(node.getEnd()),
  });
  const found: DiscoveredFeature[] = [];
  const add = (exportName: string, call: ts.CallExpression, decl: ts.Node) => {
    found.push({ exportName, name: optionString(call, 'name'), model: optionString(call, 'model'), range: range(decl), callRange: range(call) });
  };
  // Top-level `const a = defineFeature(…)` (exported or not), for `export { a }` lists.
  const locals = new Map<string, { call: ts.CallExpression; decl: ts.Node }>();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (!ts.isIdentifier(d.name) || !isDefineCall(init)) continue;
        const call = unwrap(init) as ts.CallExpression;
        const decl = st.declarationList.declarations.length === 1 ? st : d;
        locals.set(d.name.text, { call, decl });
        if (isExported(st)) add(d.name.text, call, decl);
      }
    } else if (ts.isExportAssignment(st) && !st.isExportEquals && isDefineCall(st.expression)) {
      add('default', unwrap(st.expression) as ts.CallExpression, st);
    }
  }
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st) || st.moduleSpecifier || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
    for (const el of st.exportClause.elements) {
      const local = locals.get((el.propertyName ?? el.name).text);
      if (local) add(el.name.text, local.call, local.decl);
    }
  }
  return found.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

// The TypeScript bundle (dist/discover.js) also carries the transpiler feature files are loaded with.
export { transpileFeatureModule } from './transpile';
