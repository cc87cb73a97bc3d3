// The VS Code glue (src/extension.ts, src/python.ts) against fakes of the `vscode`
// module, vscode-languageclient and the two Python extensions' APIs: VS Code itself
// cannot be downloaded here. The fakes record what the extension asks for.
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
    documentSelector: unknown[];
    middleware: { executeCommand: (c: string, a: unknown[], n: (c: string, a: unknown[]) => unknown) => unknown };
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
};

const channel = () => ({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  show: () => undefined,
  dispose: () => undefined,
  clear: () => state.output.splice(0),
  appendLine: (line: string) => state.output.push(line),
});

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
      if (id === 'ms-python.python') {
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
  return originalLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require('../src/extension') as typeof import('../src/extension');

// A real, empty folder: lint-env processes run with it as their working directory.
const extensionFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-env-ext-'));
const context = () => ({ extensionPath: extensionFolder, subscriptions: [] as { dispose(): unknown }[] });
let ctx = context();

beforeEach(async () => {
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

test('restarts when a lintEnv setting changes and passes it on', async () => {
  state.settings = { targets: ['linux-x86_64'], select: ['TF'] };
  state.configChange.fire({ affectsConfiguration: (s: string) => s === 'lintEnv' });
  await sleep(1300);
  assert.deepEqual(last().clientOptions.initializationOptions.targets, ['linux-x86_64']);
  assert.deepEqual(last().clientOptions.initializationOptions.select, ['TF']);
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
  assert.equal(last().serverOptions.command, process.platform === 'win32' ? 'python' : 'python3');
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
