// Pure interpreter choice: which Python runs the server and which one is validated.

export type InterpreterSource = 'setting' | 'python-environments' | 'python-extension';

export interface FoundInterpreter {
  path: string;
  /** "3.11.4", "3.11" ... when the providing extension knows it. */
  version?: string;
}

export interface InterpreterCandidates {
  /** lintEnv.interpreter (in Restricted Mode VS Code only returns the user value). */
  setting?: string;
  /** From the Python Environments extension (ms-python.vscode-python-envs). */
  pythonEnvironments?: FoundInterpreter;
  /** From the Python extension's `environments` API (ms-python.python). */
  pythonExtension?: FoundInterpreter;
}

export interface InterpreterChoice extends FoundInterpreter {
  source: InterpreterSource;
}

/** Names of the Python commands looked up on PATH when nothing is selected. */
export function pathPythons(platform: string): string[] {
  return platform === 'win32' ? ['python'] : ['python3', 'python'];
}

/**
 * The interpreter the user chose, if any. Precedence: the lintEnv.interpreter setting,
 * then the environment selected in the Python Environments extension, then the Python
 * extension's active environment. In an untrusted workspace the selected environment
 * (often a virtualenv inside the workspace) is not used: running it would run
 * workspace code. Undefined: nothing chosen (no Python extension installed, say).
 */
export function chooseInterpreter(candidates: InterpreterCandidates, trusted: boolean): InterpreterChoice | undefined {
  const setting = candidates.setting?.trim();
  if (setting) {
    return { path: setting, source: 'setting' };
  }
  if (trusted) {
    const envs = candidates.pythonEnvironments;
    if (envs && envs.path.trim()) {
      return { ...envs, source: 'python-environments' };
    }
    const ext = candidates.pythonExtension;
    if (ext && ext.path.trim()) {
      return { ...ext, source: 'python-extension' };
    }
  }
  return undefined;
}

/** [major, minor] of a version string such as "3.11.4" or "3.9", else undefined. */
export function parseVersion(version: string | undefined): [number, number] | undefined {
  const match = /^\s*(\d+)\.(\d+)/.exec(version ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

