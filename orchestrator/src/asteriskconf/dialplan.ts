import type { ConfSection, Problem } from './parser.js';

/**
 * The dialplan as pbx_config builds it from extensions.conf: contexts (merged when a name repeats),
 * extensions with their priorities, labels and applications, and includes. Priority rules follow
 * pbx_config: `n` is "previous line + 1", `same` continues the previous extension.
 */

export interface Priority {
  readonly number: number;
  readonly label: string | undefined;
  readonly app: string;
  readonly args: string;
  readonly file: string;
  readonly line: number;
}

export interface Extension {
  /** As written, e.g. `_+X.` or `+15555550100`; with `/cid` when it matches on caller id. */
  readonly name: string;
  readonly priorities: Priority[];
  readonly file: string;
  readonly line: number;
}

export interface Context {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly extensions: Map<string, Extension>;
  readonly includes: { readonly name: string; readonly file: string; readonly line: number }[];
}

export interface Dialplan {
  readonly contexts: Map<string, Context>;
  readonly globals: Map<string, string>;
}

/** Sections of extensions.conf that are settings, not contexts. */
const SETTINGS_SECTIONS = new Set(['general', 'globals']);

/** Splits `a,b(c,d),e` on top-level commas (parentheses, brackets, braces and quotes nest). */
export function splitArgs(text: string, sep = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + (text[i + 1] as string);
      i += 1;
      continue;
    }
    if (ch === '"') quote = !quote;
    else if (!quote && (ch === '(' || ch === '[' || ch === '{')) depth += 1;
    else if (!quote && (ch === ')' || ch === ']' || ch === '}')) depth = Math.max(0, depth - 1);
    if (ch === sep && depth === 0 && !quote) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** `App(args)` → { app, args }. Also accepts `App` and the old `App,args` form. */
export function parseApp(text: string): { app: string; args: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9_]*)\s*(?:\((.*)\)|,(.*))?\s*$/s.exec(text.trim());
  if (!m) return undefined;
  return { app: m[1] as string, args: (m[2] ?? m[3] ?? '').trim() };
}

export function buildDialplan(sections: readonly ConfSection[], problems: Problem[]): Dialplan {
  const contexts = new Map<string, Context>();
  const globals = new Map<string, string>();

  for (const section of sections) {
    if (section.name === 'globals') {
      for (const v of section.vars) globals.set(v.name, v.value);
      continue;
    }
    if (SETTINGS_SECTIONS.has(section.name) || section.template) continue;
    let ctx = contexts.get(section.name);
    if (!ctx) {
      ctx = { name: section.name, file: section.file, line: section.line, extensions: new Map(), includes: [] };
      contexts.set(section.name, ctx);
    }
    let last: { ext: Extension; number: number } | undefined;
    for (const v of section.vars) {
      const at = { file: v.file, line: v.line };
      const key = v.name.toLowerCase();
      if (key === 'include') {
        ctx.includes.push({ name: v.value.split(',')[0]?.trim() ?? '', ...at });
        continue;
      }
      if (key === 'switch' || key === 'ignorepat' || key === 'lswitch' || key === 'eswitch') continue;
      if (key !== 'exten' && key !== 'same') {
        problems.push({ ...at, message: `'${v.name}' is not a dialplan keyword (exten, same, include, switch, ignorepat) in context [${ctx.name}]` });
        continue;
      }
      const parts = splitArgs(v.value);
      let extName: string;
      let prioText: string;
      let appText: string;
      if (key === 'same') {
        if (!last) {
          problems.push({ ...at, message: `'same =>' with no 'exten =>' before it in context [${ctx.name}]` });
          continue;
        }
        extName = last.ext.name;
        prioText = parts[0] ?? '';
        appText = parts.slice(1).join(',');
      } else {
        extName = (parts[0] ?? '').replace(/\s+/g, '');
        prioText = parts[1] ?? '';
        appText = parts.slice(2).join(',');
        if (extName === '') {
          problems.push({ ...at, message: 'extension name is empty' });
          continue;
        }
      }
      const pm = /^(\d+|n|hint)(?:\(([A-Za-z0-9_-]+)\))?$/.exec(prioText.trim());
      if (!pm) {
        problems.push({ ...at, message: `bad priority '${prioText}' for extension ${extName} (expected a number, n, or n(label))` });
        continue;
      }
      if (pm[1] === 'hint') continue;
      let ext = ctx.extensions.get(extName);
      let number: number;
      if (pm[1] === 'n') {
        if (!last || last.ext.name !== extName) {
          problems.push({
            ...at,
            message: `priority 'n' of extension ${extName} does not follow a line of the same extension (Asterisk would number it after ${last ? last.ext.name : 'nothing'})`,
          });
          continue;
        }
        number = last.number + 1;
      } else {
        number = Number(pm[1]);
      }
      if (!ext) {
        ext = { name: extName, priorities: [], file: v.file, line: v.line };
        ctx.extensions.set(extName, ext);
      }
      const dup = ext.priorities.find((p) => p.number === number);
      if (dup) {
        problems.push({ ...at, message: `duplicate priority ${number} of extension ${extName} in [${ctx.name}] (first at ${dup.file}:${dup.line})` });
        last = { ext, number };
        continue;
      }
      const label = pm[2];
      if (label !== undefined) {
        const dupLabel = ext.priorities.find((p) => p.label === label);
        if (dupLabel) problems.push({ ...at, message: `duplicate label '${label}' in extension ${extName} (first at ${dupLabel.file}:${dupLabel.line})` });
      }
      const app = parseApp(appText);
      if (!app) {
        problems.push({ ...at, message: `cannot read the application in '${appText}' (expected App(arguments))` });
        last = { ext, number };
        continue;
      }
      ext.priorities.push({ number, label, app: app.app, args: app.args, file: v.file, line: v.line });
      last = { ext, number };
    }
  }

  for (const ctx of contexts.values()) {
    for (const ext of ctx.extensions.values()) {
      const numbers = ext.priorities.map((p) => p.number).sort((a, b) => a - b);
      if (numbers.length > 0 && numbers[0] !== 1) {
        problems.push({ file: ext.file, line: ext.line, message: `extension ${ext.name} in [${ctx.name}] has no priority 1, so Asterisk never runs it` });
        continue;
      }
      for (let i = 1; i < numbers.length; i += 1) {
        if ((numbers[i] as number) !== (numbers[i - 1] as number) + 1) {
          const p = ext.priorities.find((x) => x.number === numbers[i]) as Priority;
          problems.push({ file: p.file, line: p.line, message: `extension ${ext.name} jumps from priority ${numbers[i - 1]} to ${numbers[i]}: the chain stops at the gap` });
          break;
        }
      }
    }
  }
  return { contexts, globals };
}

/** Does an extension pattern (`_X.`, `_+1NXXNXXXXXX`, or a literal) match a dialled string? */
export function extensionMatches(pattern: string, exten: string): boolean {
  const base = pattern.split('/')[0] as string;
  if (!base.startsWith('_')) return base === exten;
  let re = '^';
  for (let i = 1; i < base.length; i += 1) {
    const ch = base[i] as string;
    if (ch === 'X' || ch === 'x') re += '[0-9]';
    else if (ch === 'Z' || ch === 'z') re += '[1-9]';
    else if (ch === 'N' || ch === 'n') re += '[2-9]';
    else if (ch === '.') re += '.+';
    else if (ch === '!') re += '.*';
    else if (ch === '[') {
      const end = base.indexOf(']', i);
      if (end < 0) return false;
      re += `[${base.slice(i + 1, end).replace(/[\\^]/g, '\\$&')}]`;
      i = end;
    } else if (ch === '-') continue;
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(exten);
}

/** Looks an extension up in a context and then its includes, as Asterisk searches them. */
export function findExtension(dialplan: Dialplan, contextName: string, exten: string, seen = new Set<string>()): Extension | undefined {
  if (seen.has(contextName)) return undefined;
  seen.add(contextName);
  const ctx = dialplan.contexts.get(contextName);
  if (!ctx) return undefined;
  const literal = ctx.extensions.get(exten);
  if (literal) return literal;
  for (const ext of ctx.extensions.values()) if (extensionMatches(ext.name, exten)) return ext;
  for (const inc of ctx.includes) {
    const hit = findExtension(dialplan, inc.name, exten, seen);
    if (hit) return hit;
  }
  return undefined;
}
