import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  explainCommand,
  formatValidationReport,
  isRuleReference,
  SERVER_VALIDATE_COMMAND,
  serverCommand,
  validateArguments,
} from '../src/launch';

const base = { path: [], interpreter: '/envs/tf/bin/python', delimiter: ':' };

test('bundled server runs as python -m lint_env server with PYTHONPATH=bundled/libs', () => {
  const command = serverCommand({ ...base, bundledLibs: '/ext/bundled/libs' });
  assert.equal(command.command, '/envs/tf/bin/python');
  assert.deepEqual(command.args, ['-m', 'lint_env', 'server']);
  assert.deepEqual(command.env, { PYTHONPATH: '/ext/bundled/libs' });
});

test('bundled libs go before an inherited PYTHONPATH', () => {
  const command = serverCommand({
    ...base,
    bundledLibs: 'C:\\ext\\bundled\\libs',
    inheritedPythonPath: 'C:\\mine',
    delimiter: ';',
  });
  assert.equal(command.env.PYTHONPATH, 'C:\\ext\\bundled\\libs;C:\\mine');
});

test('without bundled libs the interpreter must have lint-env installed; no PYTHONPATH set', () => {
  const command = serverCommand(base);
  assert.deepEqual(command.args, ['-m', 'lint_env', 'server']);
  assert.deepEqual(command.env, {});
});

test('lintEnv.path replaces the interpreter and bundled libs', () => {
  const command = serverCommand({ ...base, path: ['uvx', 'lint-env'], bundledLibs: '/ext/libs' });
  assert.equal(command.command, 'uvx');
  assert.deepEqual(command.args, ['lint-env', 'server']);
  assert.deepEqual(command.env, {});
});

test('explain uses the same prefix', () => {
  const bundled = explainCommand({ ...base, bundledLibs: '/l' }, 'TF005');
  assert.deepEqual(bundled.args, ['-m', 'lint_env', 'explain', 'TF005']);
  const custom = explainCommand({ ...base, path: ['/bin/lint-env'] }, 'LE001');
  assert.equal(custom.command, '/bin/lint-env');
  assert.deepEqual(custom.args, ['explain', 'LE001']);
});

test('rule references accept codes and names, reject shell-ish input', () => {
  assert.ok(isRuleReference('TF005'));
  assert.ok(isRuleReference('tensorflow-gpu-on-macos'));
  assert.ok(!isRuleReference(''));
  assert.ok(!isRuleReference('TF005; rm -rf /'));
  assert.ok(!isRuleReference('--help'));
});

test('validate command: server id differs from client id; python passed as object', () => {
  assert.equal(SERVER_VALIDATE_COMMAND, 'lint-env.validate');
  assert.notEqual(SERVER_VALIDATE_COMMAND, 'lintEnv.validate');
  assert.deepEqual(validateArguments('/envs/tf/bin/python'), [{ python: '/envs/tf/bin/python' }]);
  assert.deepEqual(validateArguments(undefined), []);
});

test('the validation report is rendered as verdict and findings', () => {
  const text = formatValidationReport({
    schema: 1,
    interpreter: '/envs/tf/bin/python',
    interpreter_source: '--python',
    verdict: 'TensorFlow 2.15.1 runs on CPU only',
    summary: { error: 1, warning: 0, info: 0 },
    findings: [
      { code: 'RT009', name: 'x', severity: 'error', message: 'no Metal device', package: 'tensorflow-metal' },
    ],
    probe: { machine: 'arm64' },
  });
  const lines = text.split('\n');
  assert.equal(lines[0], 'Interpreter: /envs/tf/bin/python (--python)');
  assert.equal(lines[1], 'Verdict: TensorFlow 2.15.1 runs on CPU only');
  assert.equal(lines[2], '1 finding(s):');
  assert.equal(lines[3], '  ERROR RT009 [tensorflow-metal]: no Metal device');
  assert.ok(text.includes('"machine": "arm64"'));
});

test('a clean report says so', () => {
  const text = formatValidationReport({ verdict: 'TensorFlow runs on GPU', findings: [] });
  assert.deepEqual(text.split('\n'), ['Verdict: TensorFlow runs on GPU', 'No findings.']);
});

test('other results are shown as they are', () => {
  assert.equal(formatValidationReport('ok: Metal GPU found'), 'ok: Metal GPU found');
  assert.equal(formatValidationReport({ findings: [1] }), '{\n  "findings": [\n    1\n  ]\n}');
  assert.match(formatValidationReport(null), /no report/);
});
