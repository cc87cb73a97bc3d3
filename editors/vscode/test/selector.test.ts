import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentSelector, FILE_PATTERNS } from '../src/selector';

// A small implementation of the glob subset used in FILE_PATTERNS (`**/`, `*`,
// `{a,b}`) with VS Code's semantics, so the patterns are checked against real
// file paths here; VS Code's own matcher cannot run without VS Code.
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      out += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`;
      i = end;
    } else {
      out += escape(c);
    }
  }
  return new RegExp(`^${out}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matched(path: string): boolean {
  return FILE_PATTERNS.some((glob) => globToRegExp(glob).test(path));
}

test('patterns cover every dependency file kind', () => {
  for (const path of [
    '/p/requirements.txt',
    '/p/requirements-dev.txt',
    '/p/sub/requirements.in',
    '/p/requirements/base.in',
    '/p/requirements/dev.txt',
    '/p/env.yml',
    '/p/constraints.txt',
    '/p/environment.yml',
    '/p/environment-macos.yaml',
    '/p/pyproject.toml',
    '/p/dev-requirements.txt',
    '/p/build/test-requirements.txt',
    '/p/reqs/base.pip',
    '/p/requirements/docs.pip',
    '/p/uv.lock',
    '/p/poetry.lock',
    '/p/pylock.toml',
    '/p/pylock.dev.toml',
  ]) {
    assert.ok(matched(path), path);
  }
});

test('patterns do not pick up unrelated files', () => {
  for (const path of ['/p/README.txt', '/p/setup.cfg', '/p/mkdocs.yml', '/p/pyproject.toml.bak', '/p/MANIFEST.in', '/p/Cargo.lock', '/p/package-lock.json']) {
    assert.ok(!matched(path), path);
  }
});

test('selector includes python files and jupyter notebook python cells', () => {
  const selector = documentSelector();
  assert.ok(selector.some((f) => 'language' in f && 'scheme' in f && f.scheme === 'file' && f.language === 'python'));
  assert.ok(selector.some((f) => 'notebook' in f && f.notebook === 'jupyter-notebook' && f.language === 'python'));
  assert.equal(selector.filter((f) => 'pattern' in f).length, FILE_PATTERNS.length);
});
