import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseInterpreter, parseVersion, pathPythons } from '../src/interpreter';

const envs = { path: '/proj/.venv/bin/python', version: '3.12.1' };
const ext = { path: '/opt/conda/envs/tf/bin/python', version: '3.11' };

test('the lintEnv.interpreter setting wins over the selected environments', () => {
  const choice = chooseInterpreter({ setting: '/x/python', pythonEnvironments: envs, pythonExtension: ext }, true);
  assert.deepEqual(choice, { path: '/x/python', source: 'setting' });
});

test('Python Environments extension is preferred over the Python extension', () => {
  const choice = chooseInterpreter({ pythonEnvironments: envs, pythonExtension: ext }, true);
  assert.equal(choice?.source, 'python-environments');
  assert.equal(choice?.path, envs.path);
  assert.equal(choice?.version, '3.12.1');
});

test('Python extension is used when Python Environments gives nothing', () => {
  const choice = chooseInterpreter({ pythonEnvironments: { path: ' ' }, pythonExtension: ext }, true);
  assert.equal(choice?.source, 'python-extension');
  assert.equal(choice?.path, ext.path);
});

test('untrusted workspace ignores the selected (workspace) environments', () => {
  const choice = chooseInterpreter({ pythonEnvironments: envs, pythonExtension: ext }, false);
  assert.equal(choice, undefined, 'nothing selected: the extension looks on PATH itself');
  const setting = chooseInterpreter({ setting: '/user/python', pythonEnvironments: envs }, false);
  assert.equal(setting?.path, '/user/python');
});

test('nothing selected is undefined; PATH names depend on the platform', () => {
  assert.equal(chooseInterpreter({}, true), undefined);
  assert.deepEqual(pathPythons('win32'), ['python']);
  assert.deepEqual(pathPythons('linux'), ['python3', 'python']);
});

test('version parsing', () => {
  assert.deepEqual(parseVersion('3.11.4'), [3, 11]);
  assert.deepEqual(parseVersion('3.9'), [3, 9]);
  assert.equal(parseVersion('unknown'), undefined);
});
