import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  checkCommand,
  type Command,
  explainCommand,
  formatValidationReport,
  isRuleReference,
  SERVER_VALIDATE_COMMAND,
  serverCommand,
  validateArguments,
} from '../src/launch';

const base = {
  path: [],
  interpreter: '/envs/tf/bin/python',
  launcher: '/ext/launcher/lint_env_launcher.py',
  extensionPath: '/ext',
};

test('the bundled server runs the launcher by absolute path, never `-m`, with bundled/libs as an argument', () => {
  const command = serverCommand({ ...base, bundledLibs: '/ext/bundled/libs' });
  assert.equal(command.command, '/envs/tf/bin/python');
  assert.deepEqual(command.args, [
    '/ext/launcher/lint_env_launcher.py',
    '--libs',
    '/ext/bundled/libs',
    '--',
    'server',
  ]);
  // `-m` (and `-c`) would put the working directory first on sys.path.
  assert.ok(!command.args.includes('-m') && !command.args.includes('-c'));
  assert.deepEqual(command.env, {}, 'PYTHONPATH is left as inherited');
});

test('every lint-env process runs in the extension folder, not the workspace', () => {
  for (const options of [base, { ...base, bundledLibs: '/ext/bundled/libs' }, { ...base, path: ['uvx', 'lint-env'] }]) {
    assert.equal(serverCommand(options).cwd, '/ext');
    assert.equal(explainCommand(options, 'TF005').cwd, '/ext');
  }
  assert.equal(checkCommand(base, '/usr/bin/python3').cwd, '/ext');
});

test('without bundled libs the launcher imports the interpreter\'s installed lint-env', () => {
  const command = serverCommand(base);
  assert.deepEqual(command.args, ['/ext/launcher/lint_env_launcher.py', '--', 'server']);
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
  assert.deepEqual(bundled.args, ['/ext/launcher/lint_env_launcher.py', '--libs', '/l', '--', 'explain', 'TF005']);
  const custom = explainCommand({ ...base, path: ['/bin/lint-env'] }, 'LE001');
  assert.equal(custom.command, '/bin/lint-env');
  assert.deepEqual(custom.args, ['explain', 'LE001']);
});

test('the importability check runs the same launcher with --check', () => {
  const command = checkCommand({ ...base, bundledLibs: '/ext/bundled/libs' }, '/usr/bin/python3');
  assert.equal(command.command, '/usr/bin/python3');
  assert.deepEqual(command.args, ['/ext/launcher/lint_env_launcher.py', '--libs', '/ext/bundled/libs', '--check']);
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

// The real launcher, run by a real python3, against a workspace holding modules named
// like what lint-env and the standard library import.
function hostileWorkspace(): { workspace: string; marker: string } {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-env-hostile-'));
  const marker = path.join(workspace, 'RAN');
  const payload = `open(${JSON.stringify(marker)}, 'a').write(__name__ + '\\n')\n`;
  for (const name of ['yaml.py', 'json.py', 'runpy.py', 'fnmatch.py', 'importlib.py', 'os.py']) {
    fs.writeFileSync(path.join(workspace, name), payload);
  }
  for (const pkg of ['lint_env', 'packaging']) {
    fs.mkdirSync(path.join(workspace, pkg));
    fs.writeFileSync(path.join(workspace, pkg, '__init__.py'), payload);
  }
  return { workspace, marker };
}

const python = process.platform === 'win32' ? 'python' : 'python3';
const hasPython = (() => {
  const probe = spawnSync(python, ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === 'True';
})();
const realOptions = {
  path: [],
  interpreter: python,
  launcher: path.resolve(__dirname, '..', '..', 'launcher', 'lint_env_launcher.py'),
  extensionPath: path.resolve(__dirname, '..', '..'),
};

function runCheck(command: Command, cwd: string, env: NodeJS.ProcessEnv, workspace: string, marker: string) {
  const result = spawnSync(command.command, command.args, { cwd, env, encoding: 'utf8' });
  try {
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { lint_env: string | null };
    assert.ok(!report.lint_env || !report.lint_env.startsWith(workspace), report.lint_env ?? '');
    assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

test('the launcher imports nothing from a hostile working directory', { skip: !hasPython && 'no python3 >= 3.8' }, () => {
  // Even run in the workspace (the extension never does that), `-m` would import the
  // workspace's lint_env/; the launcher by path does not.
  const { workspace, marker } = hostileWorkspace();
  const env = { ...process.env };
  delete env.PYTHONPATH;
  runCheck(checkCommand(realOptions, python), workspace, env, workspace, marker);
});

test('an empty PYTHONPATH entry does not reach the workspace either: the process runs in the extension folder', { skip: !hasPython && 'no python3 >= 3.8' }, () => {
  // An inherited PYTHONPATH=":/x" means "the working directory" during interpreter
  // startup (site, .pth files), before any script runs: only the cwd choice helps.
  const { workspace, marker } = hostileWorkspace();
  const command = checkCommand(realOptions, python);
  assert.equal(command.cwd, realOptions.extensionPath);
  runCheck(command, command.cwd, { ...process.env, PYTHONPATH: `${path.delimiter}.` }, workspace, marker);
});
