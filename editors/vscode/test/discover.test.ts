import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidates, findOnPath, firstWorking, parseCheck, pythonOutcome, unfit } from '../src/discover';

test('findOnPath skips empty and relative PATH entries (they mean the current folder)', () => {
  const exists = new Set(['/usr/bin/python3', './python3', 'bin/python3', '/opt/x/python3']);
  const found = findOnPath('python3', ':.:bin:/usr/bin:/opt/x', 'linux', (f) => exists.has(f));
  assert.equal(found, '/usr/bin/python3');
  assert.equal(findOnPath('python3', ':.:bin', 'linux', (f) => exists.has(f) || f === 'python3'), undefined);
  assert.equal(findOnPath('python3', undefined, 'linux', () => true), undefined);
});

test('findOnPath on Windows tries PATHEXT and needs drive-absolute folders', () => {
  const exists = new Set(['C:\\Python312\\python.EXE']);
  const found = findOnPath('python', '.;Scripts;C:\\Python312', 'win32', (f) => exists.has(f), '.COM;.EXE');
  assert.equal(found, 'C:\\Python312\\python.EXE');
});

test('candidates: selected first; with the bundle PATH pythons before lint-env; no duplicates', () => {
  const selected = { path: '/envs/tf/bin/python', source: 'python-extension' as const };
  const onPath = { pythons: ['/usr/bin/python3', '/envs/tf/bin/python'], lintEnv: '/home/u/.local/bin/lint-env' };
  assert.deepEqual(
    candidates(selected, onPath, true).map((r) => [r.kind, r.source]),
    [
      ['python', 'python-extension'],
      ['python', 'python on PATH'],
      ['command', 'lint-env on PATH'],
    ],
  );
  // Without the bundle a bare python3 rarely has lint_env: the lint-env command first.
  assert.deepEqual(
    candidates(undefined, onPath, false).map((r) => (r.kind === 'python' ? r.path : r.argv[0])),
    ['/home/u/.local/bin/lint-env', '/usr/bin/python3', '/envs/tf/bin/python'],
  );
});

test('the launcher check: parsed, and unfit below 3.10 or without lint_env', () => {
  const report = parseCheck('noise\n{"python": "3.12.1", "executable": "/p", "lint_env": "/l/lint_env/__init__.py", "lint_env_version": "0.1.0"}\n');
  assert.deepEqual(report, {
    python: '3.12.1',
    executable: '/p',
    lint_env: '/l/lint_env/__init__.py',
    lint_env_version: '0.1.0',
    error: null,
  });
  assert.equal(unfit(report!), undefined);
  assert.match(unfit({ ...report!, python: '3.9.18' })!, /needs 3\.10/);
  assert.match(unfit({ ...report!, lint_env: null })!, /without lint_env/);
  assert.match(
    unfit({ ...report!, lint_env: null, error: "ModuleNotFoundError: No module named 'lsprotocol'" })!,
    /cannot import the lint-env server \(ModuleNotFoundError: No module named 'lsprotocol'\)/,
  );
  assert.equal(parseCheck('Traceback ...'), undefined);
  assert.deepEqual(pythonOutcome(undefined, 'spawn ENOENT'), { ok: false, reason: 'spawn ENOENT' });
  assert.match((pythonOutcome('garbage', undefined) as { reason: string }).reason, /did not run/);
  const ok = pythonOutcome(JSON.stringify(report), undefined);
  assert.deepEqual(ok, { ok: true, detail: 'Python 3.12.1, lint_env 0.1.0 from /l/lint_env/__init__.py' });
});

test('firstWorking reports the skipped ones and notes the chosen one', async () => {
  const skipped: string[] = [];
  const found = await firstWorking(
    [
      { kind: 'python', path: '/a', source: 'setting' },
      { kind: 'python', path: '/b', source: 'python on PATH' },
    ],
    async (r) => (r.kind === 'python' && r.path === '/b' ? { ok: true, detail: 'fine' } : { ok: false, reason: 'no' }),
    (r, why) => skipped.push(`${r.kind === 'python' ? r.path : ''}: ${why}`),
  );
  assert.deepEqual(skipped, ['/a: no']);
  assert.equal(found?.note, '/b (python on PATH): fine');
  assert.equal(await firstWorking([], async () => ({ ok: true, detail: '' }), () => undefined), undefined);
});
