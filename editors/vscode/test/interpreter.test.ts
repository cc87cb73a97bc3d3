import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canRunServer, chooseInterpreter, parseVersion } from '../src/interpreter';

const envs = { path: '/proj/.venv/bin/python', version: '3.12.1' };
const ext = { path: '/opt/conda/envs/tf/bin/python', version: '3.11' };

test('the lintEnv.interpreter setting wins over the selected environments', () => {
  const choice = chooseInterpreter({ setting: '/x/python', pythonEnvironments: envs, pythonExtension: ext }, true, 'darwin');
  assert.deepEqual(choice, { path: '/x/python', source: 'setting' });
});

test('Python Environments extension is preferred over the Python extension', () => {
  const choice = chooseInterpreter({ pythonEnvironments: envs, pythonExtension: ext }, true, 'darwin');
  assert.equal(choice.source, 'python-environments');
  assert.equal(choice.path, envs.path);
  assert.equal(choice.version, '3.12.1');
});

test('Python extension is used when Python Environments gives nothing', () => {
  const choice = chooseInterpreter({ pythonEnvironments: { path: ' ' }, pythonExtension: ext }, true, 'linux');
  assert.equal(choice.source, 'python-extension');
  assert.equal(choice.path, ext.path);
});

test('untrusted workspace ignores the selected (workspace) environments', () => {
  const choice = chooseInterpreter({ pythonEnvironments: envs, pythonExtension: ext }, false, 'darwin');
  assert.deepEqual(choice, { path: 'python3', source: 'default' });
  const setting = chooseInterpreter({ setting: '/user/python', pythonEnvironments: envs }, false, 'darwin');
  assert.equal(setting.path, '/user/python');
});

test('default interpreter name depends on the platform', () => {
  assert.equal(chooseInterpreter({}, true, 'win32').path, 'python');
  assert.equal(chooseInterpreter({}, true, 'linux').path, 'python3');
});

test('version parsing and the server minimum (3.10)', () => {
  assert.deepEqual(parseVersion('3.11.4'), [3, 11]);
  assert.deepEqual(parseVersion('3.9'), [3, 9]);
  assert.equal(parseVersion('unknown'), undefined);
  assert.equal(canRunServer({ path: 'p', version: '3.9.18' }), false);
  assert.equal(canRunServer({ path: 'p', version: '3.10.0' }), true);
  assert.equal(canRunServer({ path: 'p', version: '3.13' }), true);
  assert.equal(canRunServer({ path: 'p' }), true);
});
