import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initializationOptions, isCleanExit, readSettings, withSelectedInterpreter } from '../src/settings';

function reader(values: Record<string, unknown>) {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

test('missing settings resolve to empty defaults', () => {
  assert.deepEqual(readSettings(reader({})), {
    targets: [],
    pythonVersion: '',
    interpreter: '',
    select: [],
    ignore: [],
    path: [],
    maxDocumentBytes: null,
  });
});

test('values are trimmed and non-strings dropped', () => {
  const settings = readSettings(
    reader({
      targets: [' macos-arm64 ', '', 7, 'linux-x86_64'],
      pythonVersion: ' 3.11 ',
      interpreter: ' /opt/py/bin/python ',
      select: 'TF',
      ignore: null,
      path: ['/usr/local/bin/lint-env'],
    }),
  );
  assert.deepEqual(settings.targets, ['macos-arm64', 'linux-x86_64']);
  assert.equal(settings.pythonVersion, '3.11');
  assert.equal(settings.interpreter, '/opt/py/bin/python');
  assert.deepEqual(settings.select, ['TF']);
  assert.deepEqual(settings.ignore, []);
  assert.deepEqual(settings.path, ['/usr/local/bin/lint-env']);
});

test('initializationOptions carry the server keys, not the client-only path', () => {
  const settings = readSettings(
    reader({ targets: ['macos-arm64'], select: ['TF'], ignore: ['LE001'], path: ['x'] }),
  );
  const options = initializationOptions(settings, '/envs/tf/bin/python');
  assert.deepEqual(options, {
    targets: ['macos-arm64'],
    pythonVersion: null,
    interpreter: '/envs/tf/bin/python',
    select: ['TF'],
    ignore: ['LE001'],
    maxDocumentBytes: null,
  });
  assert.ok(!('path' in options));
});

test('maxDocumentBytes passes a positive integer and drops anything else', () => {
  assert.equal(readSettings(reader({ maxDocumentBytes: 1048576 })).maxDocumentBytes, 1048576);
  for (const bad of [0, -5, 1.5, '10', true, null]) {
    assert.equal(readSettings(reader({ maxDocumentBytes: bad })).maxDocumentBytes, null, String(bad));
  }
});

test('initializationOptions fall back to the interpreter setting, then null', () => {
  const withSetting = readSettings(reader({ interpreter: '/a/python', pythonVersion: '3.10' }));
  assert.equal(initializationOptions(withSetting, undefined).interpreter, '/a/python');
  assert.equal(initializationOptions(withSetting, undefined).pythonVersion, '3.10');
  assert.equal(initializationOptions(readSettings(reader({})), undefined).interpreter, null);
});

test('only the clean-exit line of vscode-languageclient is recognised', () => {
  assert.ok(isCleanExit('[Error - 10:00:00 AM] Server process exited with code 0.'));
  assert.ok(!isCleanExit('[Error - 10:00:00 AM] Server process exited with code 1.'));
  assert.ok(!isCleanExit('Server process exited with code 0. (user text)'));
});

test('workspace/configuration answers carry the selected interpreter and not the client-only path', () => {
  const values = [
    { targets: ['linux-x86_64'], interpreter: '', path: ['uvx', 'lint-env'] },
    { other: 1 },
    { interpreter: '/mine/python' },
  ];
  const items = [{ section: 'lintEnv' }, { section: 'python' }, { section: 'lintEnv' }];
  assert.deepEqual(withSelectedInterpreter(values, items, '/envs/tf/bin/python'), [
    { targets: ['linux-x86_64'], interpreter: '/envs/tf/bin/python' },
    { other: 1 },
    { interpreter: '/mine/python' },
  ]);
  assert.deepEqual(withSelectedInterpreter([{ interpreter: '' }], [{ section: 'lintEnv' }], undefined), [
    { interpreter: null },
  ]);
});
