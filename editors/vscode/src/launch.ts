// Pure command building: how the server, `explain` and `validate` are invoked.

export const SERVER_VALIDATE_COMMAND = 'lint-env.validate';

export interface Command {
  command: string;
  args: string[];
  /** Variables to set on top of the inherited environment. */
  env: Record<string, string>;
  /** Working directory: the extension's own folder, never the workspace. */
  cwd: string;
}

export interface LaunchOptions {
  /** lintEnv.path: command prefix that runs lint-env; empty = the launcher script. */
  path: string[];
  /** Interpreter that runs the launcher (bundled or installed lint-env). */
  interpreter: string;
  /** Absolute path of launcher/lint_env_launcher.py in the installed extension. */
  launcher: string;
  /** Absolute path of bundled/libs when it exists in the installed extension. */
  bundledLibs?: string;
  /** The extension's own folder: the working directory of every lint-env process. */
  extensionPath: string;
}

/**
 * The interpreter's arguments that start lint-env without ever importing from the
 * workspace: the launcher by absolute path (sys.path[0] is the launcher's folder on
 * every Python, unlike `-m`, which puts the working directory first; `-P` only exists
 * from 3.11), bundled/libs passed as an argument (PYTHONPATH is left as inherited).
 */
export function launcherArguments(options: LaunchOptions, extra: string[]): string[] {
  const libs = options.bundledLibs ? ['--libs', options.bundledLibs] : [];
  return [options.launcher, ...libs, ...extra];
}

function lintEnvPrefix(options: LaunchOptions): Command {
  // Never the workspace: `uvx`/`uv run` read the working directory's uv.toml and
  // pyproject.toml (index URLs), and an empty PYTHONPATH entry means the working
  // directory. The server learns the workspace from initialize (rootUri/workspaceFolders).
  const cwd = options.extensionPath;
  if (options.path.length > 0) {
    const [command, ...args] = options.path;
    return { command, args, env: {}, cwd };
  }
  return { command: options.interpreter, args: launcherArguments(options, ['--']), env: {}, cwd };
}

/** The launcher's `--check`: prints {python, executable, lint_env, lint_env_version}. */
export function checkCommand(options: LaunchOptions, interpreter: string): Command {
  return {
    command: interpreter,
    args: launcherArguments(options, ['--check']),
    env: {},
    cwd: options.extensionPath,
  };
}

/** `lint-env server` over stdio. */
export function serverCommand(options: LaunchOptions): Command {
  const prefix = lintEnvPrefix(options);
  return { ...prefix, args: [...prefix.args, 'server'] };
}

/** `lint-env explain CODE`. */
export function explainCommand(options: LaunchOptions, code: string): Command {
  const prefix = lintEnvPrefix(options);
  return { ...prefix, args: [...prefix.args, 'explain', code] };
}

/** A rule code (TF005, LE001) or a kebab-case rule name. */
export function isRuleReference(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{1,63}$/.test(value.trim());
}

/** Arguments of the server's `lint-env.validate` command. */
export function validateArguments(python: string | undefined): unknown[] {
  return python ? [{ python }] : [];
}

interface ReportFinding {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  package?: unknown;
}

function findingLine(finding: ReportFinding): string {
  const severity = typeof finding.severity === 'string' ? finding.severity.toUpperCase() : 'FINDING';
  const code = typeof finding.code === 'string' ? ` ${finding.code}` : '';
  const where = typeof finding.package === 'string' && finding.package ? ` [${finding.package}]` : '';
  return `${severity}${code}${where}: ${String(finding.message ?? '')}`;
}

/**
 * Text for the output channel from what `lint-env.validate` returned: the validation
 * report ({interpreter, verdict, summary, findings, probe}), or any other value as is.
 */
export function formatValidationReport(result: unknown): string {
  if (result === null || result === undefined) {
    return 'lint-env.validate returned no report.';
  }
  if (typeof result === 'string') {
    return result;
  }
  if (typeof result !== 'object' || Array.isArray(result)) {
    return JSON.stringify(result, null, 2);
  }
  const report = result as Record<string, unknown>;
  if (typeof report.verdict !== 'string' || !Array.isArray(report.findings)) {
    return JSON.stringify(result, null, 2);
  }
  const lines: string[] = [];
  if (typeof report.interpreter === 'string') {
    const source = typeof report.interpreter_source === 'string' ? ` (${report.interpreter_source})` : '';
    lines.push(`Interpreter: ${report.interpreter}${source}`);
  }
  lines.push(`Verdict: ${report.verdict}`);
  const findings = report.findings as ReportFinding[];
  lines.push(findings.length === 0 ? 'No findings.' : `${findings.length} finding(s):`);
  for (const finding of findings) {
    lines.push(`  ${findingLine(finding)}`);
  }
  if (report.probe !== undefined) {
    lines.push('', 'Probe data (JSON):', JSON.stringify(report.probe, null, 2));
  }
  return lines.join('\n');
}
