// Which process runs the server: the selected interpreter when it can, else one found
// on PATH. Pure (the process runs and file checks are passed in), so unit-tested.
import { type InterpreterChoice, parseVersion } from './interpreter';

/** What the launcher's `--check` prints. */
export interface CheckReport {
  python: string;
  executable: string;
  /** Where lint_env is imported from (with --libs: the bundled copy); null = not importable. */
  lint_env: string | null;
  lint_env_version?: string | null;
  /** Why lint_env (or what its server imports) could not be imported. */
  error?: string | null;
}

export type RunnerSource = InterpreterChoice['source'] | 'python on PATH' | 'lint-env on PATH';

export type Runner =
  | { kind: 'python'; path: string; source: RunnerSource }
  | { kind: 'command'; argv: string[]; source: RunnerSource };

/** A runner that passed its check, with one line for the output channel saying why. */
export type Found = Runner & { note: string };

export function parseCheck(stdout: string): CheckReport | undefined {
  try {
    const value = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Partial<CheckReport>;
    if (typeof value.python !== 'string' || typeof value.executable !== 'string') {
      return undefined;
    }
    return {
      python: value.python,
      executable: value.executable,
      lint_env: typeof value.lint_env === 'string' ? value.lint_env : null,
      lint_env_version: typeof value.lint_env_version === 'string' ? value.lint_env_version : null,
      error: typeof value.error === 'string' ? value.error : null,
    };
  } catch {
    return undefined;
  }
}

/** Why this interpreter cannot run the server, or undefined when it can. */
export function unfit(report: CheckReport): string | undefined {
  const version = parseVersion(report.python);
  if (!version || version[0] < 3 || (version[0] === 3 && version[1] < 10)) {
    return `Python ${report.python} (the server needs 3.10+)`;
  }
  if (!report.lint_env) {
    return report.error
      ? `Python ${report.python} cannot import the lint-env server (${report.error})`
      : `Python ${report.python} without lint_env (not installed there, and no bundled copy)`;
  }
  return undefined;
}

/**
 * The absolute path of `name` in PATH, skipping empty and relative entries (they name
 * the current folder, possibly a workspace). Windows: PATHEXT extensions are tried.
 */
export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  platform: string,
  isExecutable: (file: string) => boolean,
  pathExt: string | undefined = undefined,
): string | undefined {
  const windows = platform === 'win32';
  const delimiter = windows ? ';' : ':';
  const absolute = windows ? /^([A-Za-z]:[\\/]|\\\\)/ : /^\//;
  const exts = windows ? ['', ...(pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir || !absolute.test(dir)) {
      continue;
    }
    const sep = windows ? '\\' : '/';
    const base = dir.endsWith(sep) || dir.endsWith('/') ? dir : dir + sep;
    for (const ext of exts) {
      if (isExecutable(base + name + ext)) {
        return base + name + ext;
      }
    }
  }
  return undefined;
}

export interface OnPath {
  /** python3 / python (Windows: python) found on PATH, in that order. */
  pythons: string[];
  /** The `lint-env` command on PATH. */
  lintEnv?: string;
}

/**
 * Runners to try, in order: the selected interpreter (setting or Python extension);
 * with a bundled lint-env, a Python on PATH (the bundle makes any 3.10+ fit); the
 * `lint-env` command on PATH; a Python on PATH that has lint_env installed.
 */
export function candidates(selected: InterpreterChoice | undefined, onPath: OnPath, bundled: boolean): Runner[] {
  const list: Runner[] = [];
  const seen = new Set<string>();
  const python = (path: string, source: RunnerSource) => {
    if (!seen.has(path)) {
      seen.add(path);
      list.push({ kind: 'python', path, source });
    }
  };
  if (selected) {
    python(selected.path, selected.source);
  }
  if (bundled) {
    onPath.pythons.forEach((p) => python(p, 'python on PATH'));
  }
  if (onPath.lintEnv) {
    list.push({ kind: 'command', argv: [onPath.lintEnv], source: 'lint-env on PATH' });
  }
  onPath.pythons.forEach((p) => python(p, 'python on PATH'));
  return list;
}

/** What a runner check found: a report (python) or a version line (command), or why not. */
export type CheckOutcome = { ok: true; detail: string } | { ok: false; reason: string };

export async function firstWorking(
  runners: Runner[],
  check: (runner: Runner) => Promise<CheckOutcome>,
  skipped: (runner: Runner, reason: string) => void,
): Promise<Found | undefined> {
  for (const runner of runners) {
    const outcome = await check(runner);
    if (outcome.ok) {
      const what = runner.kind === 'python' ? runner.path : runner.argv.join(' ');
      return { ...runner, note: `${what} (${runner.source}): ${outcome.detail}` };
    }
    skipped(runner, outcome.reason);
  }
  return undefined;
}

/** The outcome of the launcher's --check output for a Python runner. */
export function pythonOutcome(stdout: string | undefined, error: string | undefined): CheckOutcome {
  if (error !== undefined) {
    return { ok: false, reason: error };
  }
  const report = parseCheck(stdout ?? '');
  if (!report) {
    return { ok: false, reason: 'did not run the lint-env launcher' };
  }
  const why = unfit(report);
  if (why) {
    return { ok: false, reason: why };
  }
  const version = report.lint_env_version ? ` ${report.lint_env_version}` : '';
  return { ok: true, detail: `Python ${report.python}, lint_env${version} from ${report.lint_env}` };
}
