/**
 * The project's import-cycle check, as an ESLint rule: no resolvable path
 * leads from a module back to itself through relative imports. Unlike
 * import-x/no-cycle it counts every edge: value and type-only imports,
 * re-exports, import() expressions and import('…') types. A type-only
 * cycle costs nothing at run time, but it still ties two modules into one:
 * neither can be read, tested or moved without the other.
 *
 * Other modules' imports are read with TypeScript's preProcessFile (no full
 * parse) and cached by path and mtime for the lint run.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const cache = new Map();

/** './x.js' (or './x', './dir') next to `from`, as the .ts file tsc resolves it to; undefined for packages. */
function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = base.endsWith('.js') ? [`${base.slice(0, -3)}.ts`, base] : base.endsWith('.mjs') ? [`${base.slice(0, -4)}.mts`, base] : [base, `${base}.ts`, path.join(base, 'index.ts')];
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

function importsOf(file) {
  let mtime;
  try {
    mtime = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const hit = cache.get(file);
  if (hit && hit.mtime === mtime) return hit.deps;
  const text = readFileSync(file, 'utf8');
  const deps = [...new Set(ts.preProcessFile(text, true, true).importedFiles.map((f) => resolveImport(file, f.fileName)).filter((d) => d !== undefined))];
  cache.set(file, { mtime, deps });
  return deps;
}

/**
 * Every kind of import a module can make, each handed to `check(node, source)`:
 * value, type-only, re-export, import() and import('…') types.
 */
function importVisitors(check) {
  return {
    ImportDeclaration: (n) => check(n, n.source),
    ExportNamedDeclaration: (n) => check(n, n.source),
    ExportAllDeclaration: (n) => check(n, n.source),
    ImportExpression: (n) => check(n, n.source),
    TSImportType: (n) => check(n, n.argument?.type === 'TSLiteralType' ? n.argument.literal : n.argument),
  };
}

/** The route from `start` back to `target`, or undefined. */
function routeBack(start, target) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, route] = stack.pop();
    if (file === target) return route;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const d of importsOf(file)) if (!seen.has(d)) stack.push([d, [...route, d]]);
  }
  return undefined;
}

const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'no import cycle, type-only imports included' },
    schema: [],
    messages: { cycle: 'Dependency cycle detected: {{route}}' },
  },
  create(context) {
    const file = context.physicalFilename;
    if (!path.isAbsolute(file)) return {};
    const root = context.cwd ?? process.cwd();
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveImport(file, source.value);
      if (target === undefined || target === file) return;
      const route = routeBack(target, file);
      if (route) context.report({ node, messageId: 'cycle', data: { route: [file, ...route].map((f) => path.relative(root, f)).join(' -> ') } });
    };
    return importVisitors(check);
  },
};

/**
 * src/commands holds one module per command; what two commands share lives
 * on a lower floor (core, io, net, runtimes, fleet), never in a command that
 * the other imports. A command is `dir`/NAME.ts (relative to the lint root)
 * and, when it has parts, the folder `dir`/NAME/: its files import each
 * other freely. A file of one command may import another command's module
 * only when it is listed: `shared` (modules that are no command, e.g.
 * context.ts) or `allow[file]` (a command that runs another as a step,
 * named in eslint.config.js with the reason). Every kind of import counts,
 * as for no-cycle: value, type-only, re-export, import() and import('…') types.
 */
const noCommandImport = {
  meta: {
    type: 'problem',
    docs: { description: "no command module imports another command's module" },
    schema: [
      {
        type: 'object',
        properties: { dir: { type: 'string' }, shared: { type: 'array', items: { type: 'string' } }, allow: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
        required: ['dir'],
        additionalProperties: false,
      },
    ],
    messages: { commandImport: "{{from}} imports the command module {{to}}: move what they share to src/core, src/io, src/net, src/runtimes or src/fleet" },
  },
  create(context) {
    const file = context.physicalFilename;
    if (!path.isAbsolute(file)) return {};
    const { dir, shared = [], allow = {} } = context.options[0] ?? {};
    const root = context.cwd ?? process.cwd();
    const commands = path.resolve(root, dir);
    // A command is DIR/NAME.ts with, when it has parts, the folder DIR/NAME/ (config.ts and config/zot.ts are one command).
    const commandOf = (f) => {
      const d = path.dirname(f);
      if (d === commands) return path.basename(f).replace(/\.[cm]?[jt]s$/, '');
      if (path.dirname(d) === commands) return path.basename(d);
      return undefined;
    };
    const me = commandOf(file);
    if (me === undefined) return {};
    const from = path.relative(commands, file);
    const permitted = new Set([...shared, ...(allow[from] ?? [])]);
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveImport(file, source.value);
      if (target === undefined || target === file) return;
      const them = commandOf(target);
      if (them === undefined || them === me) return;
      const to = path.relative(commands, target);
      if (!permitted.has(to)) context.report({ node, messageId: 'commandImport', data: { from: path.relative(root, file), to: path.relative(root, target) } });
    };
    return importVisitors(check);
  },
};

export default { rules: { 'no-cycle': noCycle, 'no-command-import': noCommandImport } };
