import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDialplan, extensionMatches, findExtension } from '../../src/asteriskconf/dialplan.js';
import { getValue, getValues, includeResolver, parseConfig, type Problem } from '../../src/asteriskconf/parser.js';

describe('asteriskconf: config parser', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ariadne-astparse-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const parse = (files: Record<string, string>, entry = 'main.conf') => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return parseConfig(join(dir, entry), { resolveInclude: includeResolver(dir) });
  };

  it('reads sections, both assignment forms, comments, escapes and block comments', () => {
    const r = parse({
      'main.conf': '; header\n[a]\nkey = value ; trailing\nexten => 1,1,NoOp(x\\;y)\n;-- a block\n[b]\nhidden = 1\n--;\nafter = 2\n',
    });
    expect(r.problems).to.deep.equal([]);
    expect(r.sections.map((s) => s.name)).to.deep.equal(['a']);
    const a = r.sections[0];
    expect(a?.vars.map((v) => [v.name, v.value, v.arrow, v.line])).to.deep.equal([
      ['key', 'value', false, 3],
      ['exten', '1,1,NoOp(x;y)', true, 4],
      ['after', '2', false, 9],
    ]);
  });

  it('copies template values first so own values override them, and keeps (!) templates apart', () => {
    const r = parse({ 'main.conf': '[t](!)\nallow = ulaw\nctx = one\n[e](t)\nctx = two\n' });
    const e = r.sections.find((s) => s.name === 'e');
    expect(r.sections.find((s) => s.name === 't')?.template).to.equal(true);
    expect(getValue(e as never, 'ctx')?.value).to.equal('two');
    expect(getValues(e as never, 'allow').map((v) => v.inherited)).to.deep.equal([true]);
  });

  it('continues the current section across #include, resolves includes against the config dir, adds with (+)', () => {
    const r = parse({
      'main.conf': '[a]\nx = 1\n#include "part.conf"\n[a](+)\nz = 3\n#tryinclude "absent.conf"\n',
      'part.conf': 'y = 2\n',
    });
    expect(r.problems).to.deep.equal([]);
    expect(r.files.map((f) => f.slice(dir.length + 1))).to.deep.equal(['main.conf', 'part.conf']);
    expect(r.sections).to.have.length(1);
    expect(r.sections[0]?.vars.map((v) => `${v.name}=${v.value}@${v.file.slice(dir.length + 1)}:${v.line}`)).to.deep.equal([
      'x=1@main.conf:2',
      'y=2@part.conf:1',
      'z=3@main.conf:5',
    ]);
  });

  it('reports an include loop, (+) of an unknown section, #exec, and an unclosed block comment with their lines', () => {
    const r = parse({ 'main.conf': '[a]\n#include "main.conf"\n[zz](+)\n#exec /bin/true\n;-- open\n' });
    const lines = (r.problems as Problem[]).map((p) => `${p.line}: ${p.message}`);
    expect(lines.some((l) => l.startsWith('2: #include of'))).to.equal(true);
    expect(lines.some((l) => l.startsWith('3: [zz](+) adds to a section'))).to.equal(true);
    expect(lines.some((l) => l.startsWith('4: #exec'))).to.equal(true);
    expect(lines.some((l) => l.startsWith('5: block comment'))).to.equal(true);
  });
});

describe('asteriskconf: dialplan model', () => {
  it('matches extension patterns as Asterisk does', () => {
    expect(extensionMatches('_+X.', '+15555550100')).to.equal(true);
    expect(extensionMatches('_+X.', '15555550100')).to.equal(false);
    expect(extensionMatches('_NXXNXXXXXX', '5555550100')).to.equal(true);
    expect(extensionMatches('_NXXNXXXXXX', '1555555010')).to.equal(false);
    expect(extensionMatches('_*13X', '*132')).to.equal(true);
    expect(extensionMatches('_*13X.', '*132')).to.equal(false);
    expect(extensionMatches('_20[0-4]X', '2031')).to.equal(true);
    expect(extensionMatches('_20[0-4]X', '2051')).to.equal(false);
    expect(extensionMatches('_X!', '')).to.equal(false);
    expect(extensionMatches('911', '911')).to.equal(true);
  });

  it('numbers n priorities, resolves labels, merges repeated contexts and follows includes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-astdp-'));
    try {
      writeFileSync(
        join(dir, 'extensions.conf'),
        '[globals]\nX = 1\n[a]\ninclude => b\nexten => 100,1,NoOp()\n same => n(two),Answer()\n same => n,Hangup()\n[b]\nexten => _2XX,1,NoOp()\n[a]\nexten => 101,1,NoOp()\n',
      );
      const parsed = parseConfig(join(dir, 'extensions.conf'), { resolveInclude: includeResolver(dir) });
      const problems: Problem[] = [];
      const dp = buildDialplan(parsed.sections, problems);
      expect(problems).to.deep.equal([]);
      expect(dp.globals.get('X')).to.equal('1');
      const a = dp.contexts.get('a');
      expect([...(a?.extensions.keys() ?? [])]).to.deep.equal(['100', '101']);
      expect(a?.extensions.get('100')?.priorities.map((p) => [p.number, p.label ?? '', p.app])).to.deep.equal([
        [1, '', 'NoOp'],
        [2, 'two', 'Answer'],
        [3, '', 'Hangup'],
      ]);
      expect(findExtension(dp, 'a', '250')?.name).to.equal('_2XX');
      expect(findExtension(dp, 'a', '350')).to.equal(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
