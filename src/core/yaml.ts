/**
 * Every YAML document regcert emits or reads goes through here.
 *
 * Emitting: with the yaml library's YAML 1.1 schema, so a string that a YAML
 * 1.1 reader resolves to something else — on, off, yes, no, y, n, ~, 0755,
 * 1_000, 1:20, 2001-12-14 — is quoted. kubectl and k3s read YAML through
 * go-yaml v2 (YAML 1.1), Ansible through PyYAML (1.1): `--namespace on`
 * must reach them as the string "on", not the boolean true. The output reads
 * the same under YAML 1.2.
 *
 * Reading: bounded before the library sees it (size; nesting depth, which
 * the parser follows by recursion and, at a few thousand levels, crashes the
 * process), and aliases bounded when converting (a "billion laughs" file).
 * Each limit is an input error (exit 2) that names it. Pure.
 */
import { Document, parseDocument } from 'yaml';
import { inputError } from './errors.js';

/** A YAML file regcert reads (registries.yaml) is a few KiB. */
export const YAML_MAX_BYTES = 1024 * 1024;
/** Nesting levels: flow collections ([ {), and block indentation in columns. registries.yaml needs 4. */
export const YAML_MAX_FLOW_DEPTH = 64;
export const YAML_MAX_INDENT = 256;
/** Alias expansions when converting (the yaml library's own default, named here). */
export const YAML_MAX_ALIAS_COUNT = 100;

/** A document to emit, YAML 1.1-safe (see the top of this file). */
export function createYamlDocument(value: unknown): Document {
  return new Document(value, { version: '1.1', aliasDuplicateObjects: false });
}

/** The text of a document made by createYamlDocument or read by parseYaml: no line folding (keys and PEM lines stay whole). */
export function renderYaml(doc: Document): string {
  return doc.toString({ lineWidth: 0 });
}

/** The hint of the size and nesting limits. */
const NOT_MERGEABLE = 'this is not a registries file regcert can merge: fix or replace it';

function limitError(source: string, what: string, hint: string) {
  return inputError('YAML_LIMIT', `${source}: ${what}`, hint);
}

/** The nesting of the text, measured without parsing: deepest flow collection and widest indentation (quotes and comments skipped). */
function checkNesting(text: string, source: string): void {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      // Block nesting shows as indentation (and "- " / "? " markers before the content).
      if (c === ' ' || ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\n'))) {
        if (++indent > YAML_MAX_INDENT) throw limitError(source, `nested deeper than ${YAML_MAX_INDENT} columns of indentation (regcert's YAML limit)`, NOT_MERGEABLE);
        continue;
      }
      lineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = (nl === -1 ? text.length : nl) - 1;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > YAML_MAX_FLOW_DEPTH) throw limitError(source, `nested deeper than ${YAML_MAX_FLOW_DEPTH} levels of [ ] / { } (regcert's YAML limit)`, NOT_MERGEABLE);
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
}

/**
 * Parses YAML from outside (as YAML 1.1, how go-yaml v2 in k3s/RKE2 reads
 * it), within the limits above; `invalid` makes the message for a syntax
 * error the library reports.
 */
export function parseYaml(text: string, source: string, invalid: (message: string) => Error): Document {
  if (Buffer.byteLength(text, 'utf8') > YAML_MAX_BYTES) throw limitError(source, `larger than ${YAML_MAX_BYTES} bytes (regcert's YAML limit)`, NOT_MERGEABLE);
  checkNesting(text, source);
  const doc = parseDocument(text, { prettyErrors: false, version: '1.1' });
  if (doc.errors.length > 0) throw invalid(doc.errors[0]!.message.split('\n')[0]!);
  return doc;
}

/** The document as plain data, with aliases bounded (a billion-laughs file is refused, naming the limit). */
export function yamlToJs(doc: Document, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw limitError(source, `its aliases expand more than ${YAML_MAX_ALIAS_COUNT} times (maxAliasCount: a "billion laughs" document)`, 'write the entries out instead of through aliases');
    }
    throw e;
  }
}
