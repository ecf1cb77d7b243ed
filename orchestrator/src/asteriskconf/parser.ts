import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * A reader of Asterisk's configuration file syntax (the one config.c implements): `[section](options)`,
 * `key = value` / `key => value`, `;` comments (with `\;` escapes and `;-- --;` blocks), and the
 * `#include` / `#tryinclude` directives. Every entry remembers its file and line so the checks can point
 * an engineer at the exact place.
 */

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface ConfVar {
  readonly name: string;
  readonly value: string;
  /** `=>` marks dialplan objects (exten => ...); Asterisk treats both the same otherwise. */
  readonly arrow: boolean;
  readonly file: string;
  readonly line: number;
  /** Copied from a template (`[x](tmpl)`), not written in the section itself. */
  readonly inherited: boolean;
}

export interface ConfSection {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly template: boolean;
  /** `(+)`: adds to an earlier section of the same name. */
  readonly additive: boolean;
  readonly inherits: readonly string[];
  readonly vars: ConfVar[];
}

export interface ParsedConfig {
  /** The file asked for, then every included file, in reading order. */
  readonly files: readonly string[];
  readonly sections: readonly ConfSection[];
  readonly problems: readonly Problem[];
}

export interface ParseOptions {
  /**
   * Maps an #include name to a path. Asterisk resolves relative names against its configuration
   * directory (astetcdir), not against the including file.
   */
  readonly resolveInclude: (name: string, fromFile: string) => string;
}

/** Strips a comment, honouring `\;`. Returns the text and whether a `;--` block comment starts. */
function stripComment(line: string): { text: string; blockStart: boolean } {
  let out = '';
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === '\\' && line[i + 1] === ';') {
      out += ';';
      i += 1;
      continue;
    }
    if (ch === ';') {
      return { text: out, blockStart: line.startsWith(';--', i) && !line.includes('--;', i + 3) };
    }
    out += ch;
  }
  return { text: out, blockStart: false };
}

const MAX_INCLUDE_DEPTH = 10;

/** Reads one configuration file and everything it includes. Never throws: problems are returned. */
export function parseConfig(entry: string, options: ParseOptions): ParsedConfig {
  const files: string[] = [];
  const sections: ConfSection[] = [];
  const problems: Problem[] = [];
  let current: ConfSection | undefined;

  const findSection = (name: string): ConfSection | undefined => sections.find((s) => s.name === name);

  const readOne = (path: string, depth: number, from: { file: string; line: number } | undefined, optional: boolean) => {
    if (files.includes(path)) {
      if (from) problems.push({ ...from, message: `#include of ${path} again (include loop or repeated include)` });
      return;
    }
    if (!existsSync(path)) {
      if (!optional) {
        problems.push(from ? { ...from, message: `included file not found: ${path}` } : { file: path, line: 0, message: 'file not found' });
      }
      return;
    }
    files.push(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push({ file: path, line: 0, message: `cannot read: ${(err as Error).message}` });
      return;
    }
    const lines = text.split(/\r?\n/);
    let inBlock = false;
    let blockLine = 0;
    for (let i = 0; i < lines.length; i += 1) {
      const lineNo = i + 1;
      let raw = lines[i] as string;
      if (inBlock) {
        const end = raw.indexOf('--;');
        if (end < 0) continue;
        inBlock = false;
        raw = raw.slice(end + 3);
      }
      const { text: noComment, blockStart } = stripComment(raw);
      if (blockStart) {
        inBlock = true;
        blockLine = lineNo;
      }
      const line = noComment.trim();
      if (line === '') continue;
      const at = { file: path, line: lineNo };

      if (line.startsWith('#')) {
        const m = /^#(include|tryinclude|exec)\s+(.+)$/.exec(line);
        if (!m) {
          problems.push({ ...at, message: `unknown directive: ${line}` });
          continue;
        }
        const [, directive, arg] = m as unknown as [string, string, string];
        const name = arg.trim().replace(/^["<](.*)[">]$/, '$1');
        if (directive === 'exec') {
          problems.push({ ...at, message: '#exec runs a program and is disabled (execincludes = no); not allowed here' });
          continue;
        }
        if (depth >= MAX_INCLUDE_DEPTH) {
          problems.push({ ...at, message: `#include nested deeper than ${MAX_INCLUDE_DEPTH} levels` });
          continue;
        }
        readOne(options.resolveInclude(name, path), depth + 1, at, directive === 'tryinclude');
        continue;
      }

      if (line.startsWith('[')) {
        const m = /^\[([^\]]*)\](?:\(([^)]*)\))?\s*(.*)$/.exec(line);
        if (!m) {
          problems.push({ ...at, message: `section header without a closing ']' or ')': ${line}` });
          current = undefined;
          continue;
        }
        const name = (m[1] ?? '').trim();
        const opts = m[2] === undefined ? [] : m[2].split(',').map((o) => o.trim());
        if (m[3]) problems.push({ ...at, message: `unexpected text after the section header: ${m[3]}` });
        if (name === '') {
          problems.push({ ...at, message: 'empty section name' });
          current = undefined;
          continue;
        }
        if (m[2] !== undefined && opts.some((o) => o === '')) {
          problems.push({ ...at, message: `empty option in section header (${m[2]})` });
        }
        const template = opts.includes('!');
        const additive = opts.includes('+');
        const inherits = opts.filter((o) => o !== '!' && o !== '+' && o !== '');
        if (additive) {
          const base = findSection(name);
          if (!base) {
            problems.push({ ...at, message: `[${name}](+) adds to a section that is not defined before it` });
          } else {
            current = base;
            continue;
          }
        }
        const section: ConfSection = { name, file: path, line: lineNo, template, additive, inherits, vars: [] };
        for (const parentName of inherits) {
          const parent = findSection(parentName);
          if (!parent) {
            problems.push({ ...at, message: `[${name}] inherits from '${parentName}', which is not defined before it` });
            continue;
          }
          for (const v of parent.vars) section.vars.push({ ...v, inherited: true });
        }
        sections.push(section);
        current = section;
        continue;
      }

      const m = /^([^=]*?)\s*(=>|=)\s*(.*)$/.exec(line);
      if (!m || (m[1] ?? '') === '') {
        problems.push({ ...at, message: `expected 'key = value' or a [section]: ${line}` });
        continue;
      }
      if (!current) {
        problems.push({ ...at, message: `'${m[1]}' is outside any [section]` });
        continue;
      }
      current.vars.push({ name: m[1] as string, value: (m[3] ?? '').trim(), arrow: m[2] === '=>', file: path, line: lineNo, inherited: false });
    }
    if (inBlock) problems.push({ file: path, line: blockLine, message: 'block comment ;-- is never closed with --;' });
  };

  readOne(entry, 0, undefined, false);
  return { files, sections, problems };
}

/** Resolves includes the way Asterisk does (relative to the config dir), with extra search roots. */
export function includeResolver(confDir: string, extraRoots: readonly string[] = []): ParseOptions['resolveInclude'] {
  return (name) => {
    if (isAbsolute(name)) return name;
    const first = resolve(join(confDir, name));
    if (existsSync(first)) return first;
    for (const root of extraRoots) {
      const alt = resolve(join(root, name));
      if (existsSync(alt)) return alt;
    }
    return first;
  };
}

/** Last value of a key in a section (later lines override earlier and inherited ones). */
export function getValue(section: ConfSection, key: string): ConfVar | undefined {
  let found: ConfVar | undefined;
  for (const v of section.vars) if (v.name.toLowerCase() === key.toLowerCase()) found = v;
  return found;
}

/** Every value of a repeatable key (allow, match, member, ...). */
export function getValues(section: ConfSection, key: string): ConfVar[] {
  return section.vars.filter((v) => v.name.toLowerCase() === key.toLowerCase());
}
