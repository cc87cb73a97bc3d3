// VS Code glue: starts `lint-env server` with the selected interpreter, follows
// interpreter and settings changes, and provides the client-side commands.
// All decisions are made by the pure modules (settings, interpreter, launch, selector).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  RevealOutputChannelOn,
} from 'vscode-languageclient/node';
import {
  candidates,
  type CheckOutcome,
  findOnPath,
  firstWorking,
  type Found,
  pythonOutcome,
  type Runner,
} from './discover';
import { chooseInterpreter, type InterpreterChoice, pathPythons } from './interpreter';
import {
  checkCommand,
  type Command,
  explainCommand,
  formatValidationReport,
  isRuleReference,
  type LaunchOptions,
  SERVER_VALIDATE_COMMAND,
  serverCommand,
  validateArguments,
} from './launch';
import { fromPythonEnvironments, fromPythonExtension, onInterpreterChange } from './python';
import { documentSelector } from './selector';
import {
  initializationOptions,
  isCleanExit,
  type LintEnvSettings,
  readSettings,
  SECTION,
  withSelectedInterpreter,
} from './settings';

const RESTART_DELAY_MS = 1000;
const CHECK_TIMEOUT_MS = 20000;
/** Settings that change the server process itself; the others reach the running
 * server through workspace/didChangeConfiguration, and it re-checks. */
const PROCESS_SETTINGS = ['lintEnv.interpreter', 'lintEnv.path'];
const UNTRUSTED_VALIDATION =
  'lint-env: validation runs the selected interpreter, so it is disabled in Restricted Mode. ' +
  'Trust this workspace to use it.';

let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let reports: vscode.OutputChannel;
let extensionPath = '';
let restartTimer: NodeJS.Timeout | undefined;
let starting: Promise<void> | undefined;
/** Set while the extension stops the server on purpose (restart, deactivate). */
let stopping = false;

function workspaceResource(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function settings(): LintEnvSettings {
  return readSettings(vscode.workspace.getConfiguration(SECTION, workspaceResource()));
}

/** The interpreter the user selected (setting or Python extension), if any. */
async function resolveInterpreter(current: LintEnvSettings): Promise<InterpreterChoice | undefined> {
  const trusted = vscode.workspace.isTrusted;
  const resource = workspaceResource();
  return chooseInterpreter(
    {
      setting: current.interpreter,
      pythonEnvironments: trusted ? await fromPythonEnvironments(resource) : undefined,
      pythonExtension: trusted ? await fromPythonExtension(resource) : undefined,
    },
    trusted,
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function runOutput(command: Command, timeoutMs: number): Promise<{ stdout?: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(
      command.command,
      command.args,
      { cwd: command.cwd, env: serverEnvironment(command), timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr || error.message).trim().split('\n').pop();
          resolve({ error: detail || error.message });
        } else {
          resolve({ stdout: String(stdout) });
        }
      },
    );
  });
}

async function checkRunner(current: LintEnvSettings, runner: Runner): Promise<CheckOutcome> {
  if (runner.kind === 'python') {
    const { stdout, error } = await runOutput(
      checkCommand(launchOptions(current, runner.path), runner.path),
      CHECK_TIMEOUT_MS,
    );
    return pythonOutcome(stdout, error);
  }
  const [command, ...args] = runner.argv;
  const { stdout, error } = await runOutput(
    { command, args: [...args, '--version'], env: {}, cwd: extensionPath },
    CHECK_TIMEOUT_MS,
  );
  if (error !== undefined) {
    return { ok: false, reason: error };
  }
  const line = (stdout ?? '').trim();
  return line.startsWith('lint-env') ? { ok: true, detail: line } : { ok: false, reason: `--version said ${line}` };
}

/**
 * The process that runs the server: lintEnv.path as given, else the first of the
 * selected interpreter / a Python on PATH (with the bundled lint-env) / `lint-env` on
 * PATH / a Python on PATH with lint_env installed that passes the launcher's --check.
 */
async function findRunner(current: LintEnvSettings, selected: InterpreterChoice | undefined): Promise<Found | undefined> {
  if (current.path.length > 0) {
    return { kind: 'command', argv: current.path, source: 'setting', note: `${current.path.join(' ')} (lintEnv.path)` };
  }
  const env = process.env;
  const onPath = {
    pythons: pathPythons(process.platform)
      .map((name) => findOnPath(name, env.PATH ?? env.Path, process.platform, isExecutable, env.PATHEXT))
      .filter((p): p is string => p !== undefined),
    lintEnv: findOnPath('lint-env', env.PATH ?? env.Path, process.platform, isExecutable, env.PATHEXT),
  };
  const bundled = launchOptions(current, '').bundledLibs !== undefined;
  return firstWorking(
    candidates(selected, onPath, bundled),
    (runner) => checkRunner(current, runner),
    (runner, reason) =>
      log.info(`Not using ${runner.kind === 'python' ? runner.path : runner.argv.join(' ')} (${runner.source}): ${reason}`),
  );
}

function launchOptions(current: LintEnvSettings, interpreter: string): LaunchOptions {
  const libs = path.join(extensionPath, 'bundled', 'libs');
  return {
    path: current.path,
    interpreter,
    launcher: path.join(extensionPath, 'launcher', 'lint_env_launcher.py'),
    bundledLibs: fs.existsSync(libs) ? libs : undefined,
    extensionPath,
  };
}

function serverEnvironment(command: Command): NodeJS.ProcessEnv {
  return { ...process.env, ...command.env };
}

async function startServer(): Promise<void> {
  const current = settings();
  const selected = await resolveInterpreter(current);
  const runner = await findRunner(current, selected);
  if (!runner) {
    log.error(
      'No Python 3.10+ that can run lint-env was found: ' +
        (selected ? `the selected ${selected.path} (${selected.source}) cannot, ` : 'no interpreter is selected, ') +
        'and neither python3 nor lint-env on PATH can.',
    );
    void vscode.window
      .showErrorMessage(
        'lint-env: no Python 3.10+ with lint-env found. Set lintEnv.interpreter or lintEnv.path, ' +
          'or install lint-env so that lint-env or python3 on PATH has it.',
        'Show Log',
      )
      .then((choice) => choice && log.show());
    return;
  }
  const command =
    runner.kind === 'python'
      ? serverCommand(launchOptions(current, runner.path))
      : serverCommand({ ...launchOptions(current, ''), path: runner.argv });
  log.info(`Interpreter: ${runner.note}`);
  if (selected && (runner.kind !== 'python' || runner.path !== selected.path)) {
    log.info(`Validation still targets the selected interpreter ${selected.path} (${selected.source}).`);
  }
  log.info(`Starting server: ${[command.command, ...command.args].join(' ')} (in ${command.cwd})`);
  const serverOptions: ServerOptions = {
    command: command.command,
    args: command.args,
    options: { cwd: command.cwd, env: serverEnvironment(command) },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: initializationOptions(current, selected?.path),
    outputChannel: clientChannel(),
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
      // The server re-reads its settings with workspace/configuration: answer with the
      // interpreter the user selected where the setting is empty.
      workspace: {
        configuration: async (params, token, next) => {
          const values = await next(params, token);
          return Array.isArray(values) ? withSelectedInterpreter(values, params.items, selected?.path) : values;
        },
      },
      // The server's own lint-env.validate (e.g. from a code action) runs an
      // interpreter too: refuse it in Restricted Mode like the palette command.
      executeCommand: async (command, args, next) => {
        if (command === SERVER_VALIDATE_COMMAND && !vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage(UNTRUSTED_VALIDATION);
          return undefined;
        }
        return next(command, args);
      },
    },
  };
  const next = new LanguageClient('lint-env', 'lint-env', serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (error) {
    client = undefined;
    log.error(`Server failed to start: ${String(error)}`);
    void vscode.window
      .showErrorMessage(
        `lint-env: the language server did not start with ${command.command}. ` +
          'Set lintEnv.interpreter (Python >= 3.10) or lintEnv.path.',
        'Show Log',
      )
      .then((choice) => {
        if (choice) {
          log.show();
        }
      });
  }
}

async function stopServer(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    stopping = true;
    try {
      await old.stop();
    } catch (error) {
      log.warn(`Stopping the server failed: ${String(error)}`);
    } finally {
      // The process may report its exit just after stop() resolves.
      setTimeout(() => {
        stopping = false;
      }, 2000);
    }
  }
}

async function restart(): Promise<void> {
  if (starting) {
    await starting;
  }
  starting = (async () => {
    await stopServer();
    await startServer();
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

function scheduleRestart(reason: string): void {
  if (restartTimer) {
    clearTimeout(restartTimer);
  }
  restartTimer = setTimeout(() => {
    restartTimer = undefined;
    log.info(`Restarting server: ${reason}`);
    void restart();
  }, RESTART_DELAY_MS);
}

async function validate(): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED_VALIDATION);
    return;
  }
  if (!client) {
    await restart();
  }
  const running = client;
  if (!running) {
    return;
  }
  const interpreter = await resolveInterpreter(settings());
  const target = interpreter?.path ?? "the project's interpreter";
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `lint-env: validating TensorFlow/Metal in ${target}`,
      cancellable: true,
    },
    async (_progress, token) => {
      try {
        return await running.sendRequest(
          ExecuteCommandRequest.type,
          { command: SERVER_VALIDATE_COMMAND, arguments: validateArguments(interpreter?.path) },
          token,
        );
      } catch (error) {
        return error instanceof Error ? `Validation failed: ${error.message}` : String(error);
      }
    },
  );
  reports.clear();
  reports.appendLine(
    interpreter
      ? `lint-env: validated ${interpreter.path} (selected by ${interpreter.source})`
      : 'lint-env: validated the interpreter lint-env found ($VIRTUAL_ENV, $CONDA_PREFIX, .venv): none is selected',
  );
  reports.appendLine('');
  reports.appendLine(formatValidationReport(result));
  reports.show(true);
}

function run(command: Command, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command.command,
      command.args,
      { cwd: command.cwd, env: serverEnvironment(command), timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr || error.message).trim().split('\n').pop();
          reject(new Error(detail || error.message));
        } else {
          resolve(String(stdout));
        }
      },
    );
  });
}

async function showRule(initial?: string): Promise<void> {
  const code =
    initial ??
    (await vscode.window.showInputBox({
      title: 'lint-env: Show Rule',
      prompt: 'Rule code or name, e.g. TF005',
      validateInput: (value) => (isRuleReference(value) ? undefined : 'Enter a rule code such as TF005'),
    }));
  if (!code) {
    return;
  }
  const current = settings();
  const runner = await findRunner(current, await resolveInterpreter(current));
  if (!runner) {
    void vscode.window.showErrorMessage('lint-env: no Python 3.10+ with lint-env found (see the lint-env log).');
    return;
  }
  const options =
    runner.kind === 'python' ? launchOptions(current, runner.path) : { ...launchOptions(current, ''), path: runner.argv };
  try {
    const text = await run(explainCommand(options, code.trim()), 15000);
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
    await vscode.window.showTextDocument(document, { preview: true });
  } catch (error) {
    void vscode.window.showErrorMessage(`lint-env explain ${code}: ${(error as Error).message}`);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  log = vscode.window.createOutputChannel('lint-env', { log: true });
  reports = vscode.window.createOutputChannel('lint-env: validation');
  context.subscriptions.push(
    log,
    reports,
    vscode.commands.registerCommand('lintEnv.validate', validate),
    vscode.commands.registerCommand('lintEnv.restart', () => restart()),
    vscode.commands.registerCommand('lintEnv.showRule', (code?: string) =>
      showRule(typeof code === 'string' ? code : undefined),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Other lintEnv settings reach the running server (didChangeConfiguration).
      const changed = PROCESS_SETTINGS.filter((key) => event.affectsConfiguration(key));
      if (changed.length > 0) {
        scheduleRestart(`${changed.join(', ')} changed`);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => scheduleRestart('workspace trusted')),
    { dispose: () => restartTimer && clearTimeout(restartTimer) },
  );
  await startServer();
  // After the first start: subscribing activates the Python extensions if needed.
  context.subscriptions.push(
    ...(await onInterpreterChange(() => scheduleRestart('selected interpreter changed'))),
  );
}

/**
 * The output channel handed to vscode-languageclient: the log, except that the clean
 * exit of a server stopped on purpose is not reported as an error
 * ("Server process exited with code 0.").
 */
function clientChannel(): vscode.OutputChannel {
  return new Proxy(log, {
    get(target, property) {
      if (property === 'appendLine') {
        return (line: string) => {
          if (isCleanExit(line)) {
            if (!stopping) {
              target.info('Server process exited with code 0.');
            }
            return;
          }
          target.appendLine(line);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function deactivate(): Promise<void> {
  await stopServer();
}
