// The VS Code glue (src/extension.ts, src/python.ts) against fakes of the `vscode`
// module, vscode-languageclient and the two Python extensions' APIs (the real VS Code
// run is tests/test_vscode_e2e.py). The fakes record what the extension asks for.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

type Listener = (event?: unknown) => void;

class Emitter {
  listeners: Listener[] = [];
  event = (listener: Listener) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(event?: unknown) {
    for (const l of this.listeners) l(event);
  }
}

interface ClientRecord {
  serverOptions: { command: string; args: string[]; options: { cwd: string; env: Record<string, string> } };
  clientOptions: {
    initializationOptions: Record<string, unknown>;
    outputChannel: { appendLine(line: string): void };
    documentSelector: unknown[];
    middleware: {
      executeCommand: (c: string, a: unknown[], n: (c: string, a: unknown[]) => unknown) => unknown;
      workspace: {
        configuration: (
          params: { items: { section?: string }[] },
          token: unknown,
          next: (params: unknown, token: unknown) => unknown,
        ) => Promise<unknown>;
      };
    };
  };
  requests: { method: string; params: { command: string; arguments: unknown[] } }[];
  stopped: boolean;
}

const state = {
  trusted: true,
  settings: {} as Record<string, unknown>,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  warnings: [] as string[],
  errors: [] as string[],
  output: [] as string[],
  documents: [] as { language: string; content: string }[],
  clients: [] as ClientRecord[],
  validateResult: { verdict: 'TensorFlow runs on GPU', findings: [] } as unknown,
  envsInterpreter: '/envs/tf/bin/python' as string | undefined,
  configChange: new Emitter(),
  trustGranted: new Emitter(),
  envChange: new Emitter(),
  activePathChange: new Emitter(),
  withEnvsExtension: true,
  withPythonExtension: true,
  /** The launcher's --check answer per interpreter path (default: fit, bundled lint_env). */
  checks: {} as Record<string, { python: string; lint_env: string | null } | 'fails'>,
  checked: [] as { command: string; args: string[]; cwd?: string }[],
  log: [] as string[],
};

// `--check` / `--version` runs of candidate interpreters are answered from state.checks
// (the fake interpreters do not exist); every other process is real.
const realChildProcess = require('node:child_process') as typeof import('node:child_process');
type ExecCallback = (error: Error | null, stdout: string, stderr: string) => void;
const fakeChildProcess = {
  ...realChildProcess,
  execFile: (command: string, args: string[], options: { cwd?: string }, callback: ExecCallback) => {
    if (args.includes('--check') || args[args.length - 1] === '--version') {
      state.checked.push({ command, args, cwd: options.cwd });
      const answer = state.checks[command] ?? { python: '3.11.9', lint_env: '/ext/bundled/libs/lint_env/__init__.py' };
      setImmediate(() => {
        if (answer === 'fails') {
          callback(new Error('spawn ENOENT'), '', `${command}: not found`);
        } else if (args.includes('--check')) {
          callback(null, JSON.stringify({ executable: command, lint_env_version: '0.1.0', ...answer }), '');
        } else {
          callback(null, 'lint-env 0.1.0\n', '');
        }
      });
      return;
    }
    return (realChildProcess.execFile as unknown as (...a: unknown[]) => unknown)(command, args, options, callback);
  },
};

const channel = (_name: string, options?: { log: boolean }) =>
  options?.log
    ? {
        info: (m: string) => state.log.push(`info: ${m}`),
        warn: (m: string) => state.log.push(`warn: ${m}`),
        error: (m: string) => state.log.push(`error: ${m}`),
        show: () => undefined,
        dispose: () => undefined,
        appendLine: (line: string) => state.log.push(line),
      }
    : {
        show: () => undefined,
        dispose: () => undefined,
        clear: () => state.output.splice(0),
        appendLine: (line: string) => state.output.push(line),
      };

const fakeVscode = {
  ProgressLocation: { Notification: 15 },
  window: {
    createOutputChannel: channel,
    showWarningMessage: (m: string) => {
      state.warnings.push(m);
      return Promise.resolve(undefined);
    },
    showErrorMessage: (m: string) => {
      state.errors.push(m);
      return Promise.resolve(undefined);
    },
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => unknown) =>
      task({ report: () => undefined }, { isCancellationRequested: false }),
    showTextDocument: async () => undefined,
  },
  workspace: {
    get isTrusted() {
      return state.trusted;
    },
    workspaceFolders: [{ uri: { fsPath: '/work/project' } }],
    getConfiguration: () => ({ get: (key: string) => state.settings[key] }),
    onDidChangeConfiguration: state.configChange.event,
    onDidGrantWorkspaceTrust: state.trustGranted.event,
    openTextDocument: async (doc: { language: string; content: string }) => {
      state.documents.push(doc);
      return doc;
    },
  },
  commands: {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      state.commands.set(id, fn);
      return { dispose: () => state.commands.delete(id) };
    },
  },
  extensions: {
    getExtension: (id: string) => {
      if (id === 'ms-python.vscode-python-envs' && state.withEnvsExtension) {
        return {
          isActive: true,
          exports: {
            getEnvironment: async () =>
              state.envsInterpreter
                ? { version: '3.11.9', execInfo: { run: { executable: state.envsInterpreter } } }
                : undefined,
            onDidChangeEnvironment: state.envChange.event,
          },
        };
      }
      if (id === 'ms-python.python' && state.withPythonExtension) {
        return {
          isActive: true,
          exports: {
            environments: {
              getActiveEnvironmentPath: () => ({ id: 'x', path: '/usr/local/bin/python3.12' }),
              resolveEnvironment: async () => ({
                executable: { uri: { fsPath: '/usr/local/bin/python3.12' } },
                version: { major: 3, minor: 12, micro: 1 },
              }),
              onDidChangeActiveEnvironmentPath: state.activePathChange.event,
            },
          },
        };
      }
      return undefined;
    },
  },
};

class FakeLanguageClient {
  record: ClientRecord;
  constructor(_id: string, _name: string, serverOptions: ClientRecord['serverOptions'], clientOptions: ClientRecord['clientOptions']) {
    this.record = { serverOptions, clientOptions, requests: [], stopped: false };
    state.clients.push(this.record);
  }
  async start() {}
  async stop() {
    this.record.stopped = true;
  }
  async sendRequest(type: { method: string }, params: ClientRecord['requests'][0]['params']) {
    this.record.requests.push({ method: type.method, params });
    return state.validateResult;
  }
}

const fakeLanguageClient = {
  LanguageClient: FakeLanguageClient,
  ExecuteCommandRequest: { type: { method: 'workspace/executeCommand' } },
  RevealOutputChannelOn: { Never: 4 },
};

const moduleInternals = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = moduleInternals._load;
moduleInternals._load = function (request: string, ...rest: unknown[]) {
  if (request === 'vscode') return fakeVscode;
  if (request === 'vscode-languageclient/node') return fakeLanguageClient;
  if (request === 'node:child_process') return fakeChildProcess;
  return originalLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require('../src/extension') as typeof import('../src/extension');

// A real, empty folder: lint-env processes run with it as their working directory.
const extensionFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-env-ext-'));
const context = () => ({ extensionPath: extensionFolder, subscriptions: [] as { dispose(): unknown }[] });
let ctx = context();

// PATH for each test: a fresh folder holding the (fake) commands a test puts there.
let pathDir = '';
function onPath(...names: string[]) {
  for (const name of names) {
    fs.writeFileSync(path.join(pathDir, name), '#!/bin/sh\n', { mode: 0o755 });
  }
}

beforeEach(async () => {
  pathDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-env-path-'));
  process.env.PATH = pathDir;
  onPath('python3');
  Object.assign(state, {
    trusted: true,
    settings: {},
    warnings: [],
    errors: [],
    output: [],
    documents: [],
    clients: [],
    envsInterpreter: '/envs/tf/bin/python',
    withEnvsExtension: true,
    withPythonExtension: true,
    checks: {},
    checked: [],
    log: [],
    validateResult: { verdict: 'TensorFlow runs on GPU', findings: [] },
  });
  ctx = context();
  await extension.activate(ctx as never);
});

afterEach(async () => {
  await extension.deactivate();
  for (const d of ctx.subscriptions) d.dispose();
});

const last = () => state.clients[state.clients.length - 1];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('registers the three client commands', () => {
  assert.deepEqual([...state.commands.keys()].sort(), ['lintEnv.restart', 'lintEnv.showRule', 'lintEnv.validate']);
});

test('starts the server with the interpreter selected in Python Environments', () => {
  assert.equal(state.clients.length, 1);
  const { serverOptions, clientOptions } = last();
  assert.equal(serverOptions.command, '/envs/tf/bin/python');
  // The launcher by absolute path, in the extension's folder: never `-m` in the workspace.
  assert.deepEqual(serverOptions.args, [path.join(extensionFolder, 'launcher', 'lint_env_launcher.py'), '--', 'server']);
  assert.equal(serverOptions.options.cwd, extensionFolder);
  assert.notEqual(serverOptions.options.cwd, '/work/project');
  // No bundled/libs in this fake extension folder: PYTHONPATH is left alone.
  assert.equal(serverOptions.options.env.PYTHONPATH, process.env.PYTHONPATH);
  assert.deepEqual(clientOptions.initializationOptions, {
    targets: [],
    pythonVersion: null,
    interpreter: '/envs/tf/bin/python',
    select: [],
    ignore: [],
    maxDocumentBytes: null,
  });
});

test('falls back to the Python extension when Python Environments is absent', async () => {
  state.withEnvsExtension = false;
  await state.commands.get('lintEnv.restart')!();
  assert.equal(last().serverOptions.command, '/usr/local/bin/python3.12');
});

test('restarts with the new interpreter when the selection changes', async () => {
  state.envsInterpreter = '/envs/other/bin/python';
  state.envChange.fire({});
  await sleep(1300); // restarts are debounced by 1 s
  assert.equal(state.clients.length, 2);
  assert.equal(state.clients[0].stopped, true);
  assert.equal(last().serverOptions.command, '/envs/other/bin/python');
});

test('a changed check setting does not restart the server: it reaches it via didChangeConfiguration', async () => {
  state.settings = { targets: ['linux-x86_64'], select: ['TF'] };
  state.configChange.fire({ affectsConfiguration: (s: string) => s === 'lintEnv' || s === 'lintEnv.targets' || s === 'lintEnv.select' });
  await sleep(1300);
  assert.equal(state.clients.length, 1);
  assert.equal(state.clients[0].stopped, false);
});

test('a changed lintEnv.interpreter restarts the server with it', async () => {
  state.settings = { interpreter: '/opt/py/bin/python3.12' };
  state.configChange.fire({ affectsConfiguration: (s: string) => s === 'lintEnv' || s === 'lintEnv.interpreter' });
  await sleep(1300);
  assert.equal(state.clients.length, 2);
  assert.equal(last().serverOptions.command, '/opt/py/bin/python3.12');
  assert.deepEqual(last().clientOptions.initializationOptions.interpreter, '/opt/py/bin/python3.12');
});

test('without any Python extension the server runs with python3 from PATH, and the log says so', async () => {
  state.withEnvsExtension = false;
  state.withPythonExtension = false;
  await state.commands.get('lintEnv.restart')!();
  assert.equal(last().serverOptions.command, path.join(pathDir, 'python3'));
  assert.equal(last().clientOptions.initializationOptions.interpreter, null, 'validation: the server discovers');
  assert.ok(
    state.log.some((l) => l.startsWith(`info: Interpreter: ${path.join(pathDir, 'python3')} (python on PATH): Python 3.11.9`)),
    state.log.join('\n'),
  );
  // The check ran the launcher in the extension folder, not the workspace.
  const check = state.checked[state.checked.length - 1];
  assert.deepEqual(check.args.slice(-1), ['--check']);
  assert.equal(check.cwd, extensionFolder);
});

test('a selected interpreter without lint_env is skipped for lint-env on PATH; validation still targets it', async () => {
  onPath('lint-env');
  state.checks['/envs/tf/bin/python'] = { python: '3.11.9', lint_env: null };
  state.checks[path.join(pathDir, 'python3')] = { python: '3.12.0', lint_env: null };
  await state.commands.get('lintEnv.restart')!();
  assert.equal(last().serverOptions.command, path.join(pathDir, 'lint-env'));
  assert.deepEqual(last().serverOptions.args, ['server']);
  assert.equal(last().clientOptions.initializationOptions.interpreter, '/envs/tf/bin/python');
  const log = state.log.join('\n');
  assert.match(log, /Not using \/envs\/tf\/bin\/python \(python-environments\): Python 3\.11\.9 without lint_env/);
  assert.match(log, /Interpreter: .*lint-env \(lint-env on PATH\): lint-env 0\.1\.0/);
});

test('a Python older than 3.10 is not used to run the server', async () => {
  state.checks['/envs/tf/bin/python'] = { python: '3.9.18', lint_env: '/x/lint_env/__init__.py' };
  await state.commands.get('lintEnv.restart')!();
  assert.equal(last().serverOptions.command, path.join(pathDir, 'python3'));
  assert.match(state.log.join('\n'), /Python 3\.9\.18 \(the server needs 3\.10\+\)/);
});

test('nothing that can run lint-env: an error that says what to set, no client', async () => {
  state.checks['/envs/tf/bin/python'] = 'fails';
  state.checks[path.join(pathDir, 'python3')] = { python: '3.12.0', lint_env: null };
  const before = state.clients.length;
  await state.commands.get('lintEnv.restart')!();
  assert.equal(state.clients.length, before);
  assert.match(state.errors.join('\n'), /lintEnv\.interpreter or lintEnv\.path/);
});

test('a deliberate restart does not log the clean exit as an error; an unexpected one is info', async () => {
  const first = state.clients[0];
  await state.commands.get('lintEnv.restart')!();
  first.clientOptions.outputChannel.appendLine('[Error - 10:00:00 AM] Server process exited with code 0.');
  assert.ok(!state.log.some((l) => l.includes('exited with code 0')), state.log.join('\n'));
  await sleep(2100);
  last().clientOptions.outputChannel.appendLine('[Error - 10:00:05 AM] Server process exited with code 0.');
  assert.ok(state.log.includes('info: Server process exited with code 0.'), state.log.join('\n'));
  last().clientOptions.outputChannel.appendLine('[Error - 10:00:06 AM] Server process exited with code 1.');
  assert.ok(state.log.includes('[Error - 10:00:06 AM] Server process exited with code 1.'));
});

test('lintEnv.path replaces the interpreter', async () => {
  state.settings = { path: ['uvx', 'lint-env'] };
  await state.commands.get('lintEnv.restart')!();
  assert.equal(last().serverOptions.command, 'uvx');
  assert.deepEqual(last().serverOptions.args, ['lint-env', 'server']);
});

test('validate sends lint-env.validate with the selected interpreter and shows the report', async () => {
  await state.commands.get('lintEnv.validate')!();
  assert.deepEqual(last().requests, [
    {
      method: 'workspace/executeCommand',
      params: { command: 'lint-env.validate', arguments: [{ python: '/envs/tf/bin/python' }] },
    },
  ]);
  const shown = state.output.join('\n').split('\n');
  assert.ok(shown.includes('Verdict: TensorFlow runs on GPU'), shown.join('\n'));
  assert.ok(shown.includes('No findings.'), shown.join('\n'));
});

test('an untrusted workspace runs no workspace interpreter and refuses validation', async () => {
  state.trusted = false;
  await state.commands.get('lintEnv.restart')!();
  // The selected (workspace) environment is not run: python3 from PATH is.
  assert.equal(last().serverOptions.command, path.join(pathDir, 'python3'));
  await state.commands.get('lintEnv.validate')!();
  assert.deepEqual(last().requests, []);
  assert.match(state.warnings.join('\n'), /Restricted Mode/);
  // The server's own command (e.g. from a code action) is refused too.
  let forwarded = false;
  await last().clientOptions.middleware.executeCommand('lint-env.validate', [], () => {
    forwarded = true;
  });
  assert.equal(forwarded, false);
});

test('a trusted workspace forwards the server command', async () => {
  let forwarded = false;
  await last().clientOptions.middleware.executeCommand('lint-env.validate', [], () => {
    forwarded = true;
  });
  assert.equal(forwarded, true);
});

test('Show Rule opens the output of `lint-env explain CODE` as markdown', async () => {
  // A stand-in for lint-env via lintEnv.path: node echoing its arguments.
  state.settings = { path: [process.execPath, '-e', 'console.log("# " + process.argv.slice(1).join(" "))', '--'] };
  await state.commands.get('lintEnv.showRule')!('TF005');
  assert.deepEqual(state.documents, [{ language: 'markdown', content: '# explain TF005\n' }]);
});

test('Show Rule reports a failing explain as an error message', async () => {
  state.settings = { path: [process.execPath, '-e', 'console.error("lint-env: error: unknown rule XX999"); process.exit(2)', '--'] };
  await state.commands.get('lintEnv.showRule')!('XX999');
  assert.deepEqual(state.documents, []);
  assert.match(state.errors.join('\n'), /unknown rule XX999/);
});

test('the server re-reading its settings gets the selected interpreter, not the client-only path', async () => {
  const answer = await last().clientOptions.middleware.workspace.configuration(
    { items: [{ section: 'lintEnv' }] },
    undefined,
    () => [{ targets: ['linux-x86_64'], interpreter: '', path: [] }],
  );
  assert.deepEqual(answer, [{ targets: ['linux-x86_64'], interpreter: '/envs/tf/bin/python' }]);
});
