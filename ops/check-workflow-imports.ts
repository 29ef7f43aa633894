import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

// ESLint's no-restricted-imports sees one file at a time; a workflow that imports a pure-looking
// shared module which itself imports Prisma passes it. This walks the whole graph the workflow
// bundler would follow.

// What workflow code may not reach, shared with eslint.config.mjs.
const sandbox = JSON.parse(fs.readFileSync(path.join(__dirname, 'workflow-sandbox.json'), 'utf8')) as {
  packages: string[];
  scopes: string[];
  dirs: string[];
};
const forbiddenPackages = new Set(sandbox.packages);
const forbiddenScopes = sandbox.scopes;
const forbiddenDirs = sandbox.dirs;
const builtins = new Set(builtinModules);

const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'];

export interface WorkflowImportReport {
  violations: string[];
  modulesChecked: number;
}

interface ModuleImport {
  specifier: string | undefined;
  line: number;
}

export function findWorkflowImportViolations(rootDir: string): string[] {
  return checkWorkflowImports(rootDir).violations;
}

export function checkWorkflowImports(rootDir: string): WorkflowImportReport {
  const root = path.resolve(rootDir);
  const workflowsDir = path.join(root, 'workflows');
  if (!fs.statSync(workflowsDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`no workflows/ directory under ${root}`);
  }

  const cameFrom = new Map<string, string | undefined>();
  const queue = listSourceFiles(workflowsDir);
  for (const file of queue) cameFrom.set(file, undefined);

  const violations: string[] = [];
  const chainTo = (file: string): string => {
    const chain: string[] = [];
    for (let at: string | undefined = file; at !== undefined; at = cameFrom.get(at)) chain.unshift(relative(root, at));
    return chain.join(' -> ');
  };

  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    if (file.endsWith('.d.ts') || !isSourceFile(file)) continue;

    for (const { specifier, line } of runtimeImports(file)) {
      const report = (what: string, why: string) => violations.push(`${chainTo(file)} ${what} (line ${line}: ${why})`);
      if (specifier === undefined) {
        report('has a dynamic import', 'its target is not a string literal, so it cannot be checked');
        continue;
      }
      if (!isPathSpecifier(specifier)) {
        const reason = forbiddenPackageReason(specifier);
        if (reason) report(`imports '${specifier}'`, reason);
        continue;
      }

      const target = resolveRelative(path.dirname(file), specifier);
      const dir = forbiddenDir(root, target ?? path.resolve(path.dirname(file), specifier));
      if (dir) {
        report(`imports '${specifier}'`, `${dir}/ is outside the workflow sandbox`);
      } else if (target === undefined) {
        report(`imports '${specifier}'`, 'cannot be resolved, so cannot be checked');
      } else if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }

  return { violations, modulesChecked: queue.length };
}

/** Imports that survive compilation: type-only imports and re-exports are erased, so they are skipped. */
function runtimeImports(file: string): ModuleImport[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const found: ModuleImport[] = [];
  const add = (node: ts.Node, specifier: string | undefined) =>
    found.push({ specifier, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!isTypeOnlyImport(node.importClause) && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node, node.moduleSpecifier.text);
      }
      return;
    }
    if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !isTypeOnlyExport(node)) {
        add(node, node.moduleSpecifier.text);
      }
      return;
    }
    if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (!node.isTypeOnly && ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
        add(node, ref.expression.text);
      }
      return;
    }
    if (ts.isCallExpression(node) && isDynamicImportOrRequire(node)) {
      const [arg] = node.arguments;
      add(node, arg && ts.isStringLiteralLike(arg) ? arg.text : undefined);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((element) => element.isTypeOnly)
  );
}

function isDynamicImportOrRequire(node: ts.CallExpression): boolean {
  const callee = node.expression;
  return callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
}

function forbiddenPackageReason(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(packageName(specifier))) {
    return 'Node built-in';
  }
  const name = packageName(specifier);
  if (forbiddenPackages.has(name) || name.startsWith('pino-') || forbiddenScopes.some((scope) => name.startsWith(scope))) {
    return 'not allowed in workflow code';
  }
  return undefined;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || /^\.{1,2}\//.test(specifier) || path.isAbsolute(specifier);
}

function resolveRelative(fromDir: string, specifier: string): string | undefined {
  const base = path.resolve(fromDir, specifier);
  // `./x.js` written for ESM output refers to `x.ts` on disk.
  const jsExt = /\.[cm]?jsx?$/.exec(base);
  const candidates = [
    base,
    ...(jsExt ? sourceExtensions.map((ext) => base.slice(0, jsExt.index) + ext) : []),
    ...sourceExtensions.map((ext) => base + ext),
    ...sourceExtensions.map((ext) => path.join(base, `index${ext}`)),
    `${base}.d.ts`,
    `${base}.json`,
  ];
  return candidates.find((candidate) => fs.statSync(candidate, { throwIfNoEntry: false })?.isFile());
}

function forbiddenDir(root: string, target: string): string | undefined {
  const [top] = relative(root, target).split('/');
  return top !== undefined && forbiddenDirs.includes(top) ? top : undefined;
}

function listSourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listSourceFiles(full);
      return entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
    });
}

function isSourceFile(file: string): boolean {
  return sourceExtensions.includes(path.extname(file));
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.(c|m)?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? path.resolve(__dirname, '..'));
  const { violations, modulesChecked } = checkWorkflowImports(root);
  if (violations.length > 0) {
    for (const violation of violations) console.error(violation);
    process.exitCode = 1;
  } else {
    console.log(`workflow import graph clean: ${modulesChecked} modules checked`);
  }
}
