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
import { canRunServer, chooseInterpreter, type InterpreterChoice } from './interpreter';
import {
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
import { initializationOptions, type LintEnvSettings, readSettings, SECTION } from './settings';

const RESTART_DELAY_MS = 1000;
const UNTRUSTED_VALIDATION =
  'lint-env: validation runs the selected interpreter, so it is disabled in Restricted Mode. ' +
  'Trust this workspace to use it.';

let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let reports: vscode.OutputChannel;
let extensionPath = '';
let restartTimer: NodeJS.Timeout | undefined;
let starting: Promise<void> | undefined;

function workspaceResource(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function settings(): LintEnvSettings {
  return readSettings(vscode.workspace.getConfiguration(SECTION, workspaceResource()));
}

async function resolveInterpreter(current: LintEnvSettings): Promise<InterpreterChoice> {
  const trusted = vscode.workspace.isTrusted;
  const resource = workspaceResource();
  return chooseInterpreter(
    {
      setting: current.interpreter,
      pythonEnvironments: trusted ? await fromPythonEnvironments(resource) : undefined,
      pythonExtension: trusted ? await fromPythonExtension(resource) : undefined,
    },
    trusted,
    process.platform,
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
  let runner = selected.path;
  if (current.path.length === 0 && !canRunServer(selected)) {
    runner = chooseInterpreter({}, false, process.platform).path;
    log.warn(
      `Selected interpreter ${selected.path} is Python ${selected.version}; the server needs ` +
        `Python >= 3.10, so it runs with ${runner}. Set lintEnv.interpreter or lintEnv.path to choose.`,
    );
  }
  const command = serverCommand(launchOptions(current, runner));
  log.info(
    `Starting server: ${[command.command, ...command.args].join(' ')} ` +
      `(interpreter ${selected.path} from ${selected.source})`,
  );
  const serverOptions: ServerOptions = {
    command: command.command,
    args: command.args,
    options: { cwd: command.cwd, env: serverEnvironment(command) },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: initializationOptions(current, selected.path),
    outputChannel: log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
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
    try {
      await old.stop();
    } catch (error) {
      log.warn(`Stopping the server failed: ${String(error)}`);
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
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `lint-env: validating TensorFlow/Metal in ${interpreter.path}`,
      cancellable: true,
    },
    async (_progress, token) => {
      try {
        return await running.sendRequest(
          ExecuteCommandRequest.type,
          { command: SERVER_VALIDATE_COMMAND, arguments: validateArguments(interpreter.path) },
          token,
        );
      } catch (error) {
        return error instanceof Error ? `Validation failed: ${error.message}` : String(error);
      }
    },
  );
  reports.clear();
  reports.appendLine(`lint-env: validated ${interpreter.path} (selected by ${interpreter.source})`);
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
  const interpreter = await resolveInterpreter(current);
  const runner = canRunServer(interpreter)
    ? interpreter.path
    : chooseInterpreter({}, false, process.platform).path;
  try {
    const text = await run(explainCommand(launchOptions(current, runner), code.trim()), 15000);
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
      if (event.affectsConfiguration(SECTION)) {
        scheduleRestart('settings changed');
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

export async function deactivate(): Promise<void> {
  await stopServer();
}
