// Pure command building: how the server, `explain` and `validate` are invoked.

export const SERVER_VALIDATE_COMMAND = 'lint-env.validate';

export interface Command {
  command: string;
  args: string[];
  /** Variables to set on top of the inherited environment. */
  env: Record<string, string>;
}

export interface LaunchOptions {
  /** lintEnv.path: command prefix that runs lint-env; empty = `python -m lint_env`. */
  path: string[];
  /** Interpreter that runs the bundled lint-env. */
  interpreter: string;
  /** Absolute path of bundled/libs when it exists in the installed extension. */
  bundledLibs?: string;
  /** PYTHONPATH of the extension host's environment. */
  inheritedPythonPath?: string;
  /** path.delimiter of the platform (":" or ";"). */
  delimiter: string;
}

function lintEnvPrefix(options: LaunchOptions): Command {
  if (options.path.length > 0) {
    const [command, ...args] = options.path;
    return { command, args, env: {} };
  }
  const env: Record<string, string> = {};
  if (options.bundledLibs) {
    env.PYTHONPATH = options.inheritedPythonPath
      ? `${options.bundledLibs}${options.delimiter}${options.inheritedPythonPath}`
      : options.bundledLibs;
  }
  return { command: options.interpreter, args: ['-m', 'lint_env'], env };
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
