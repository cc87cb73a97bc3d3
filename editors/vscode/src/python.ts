// The interpreter the user selected, from the Python Environments extension
// (ms-python.vscode-python-envs) or the Python extension (ms-python.python).
// Only the small parts of their public APIs used here are typed.
import * as vscode from 'vscode';
import type { FoundInterpreter } from './interpreter';

export const PYTHON_ENVIRONMENTS_ID = 'ms-python.vscode-python-envs';
export const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvsApi {
  getEnvironment(scope: vscode.Uri | undefined): Promise<
    | {
        version?: string;
        execInfo?: { run?: { executable?: string } };
      }
    | undefined
  >;
  onDidChangeEnvironment?: vscode.Event<unknown>;
}

interface EnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
  resolveEnvironment(env: { id: string; path: string } | string): Promise<
    | {
        executable?: { uri?: vscode.Uri };
        version?: { major?: number; minor?: number; micro?: number };
      }
    | undefined
  >;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

async function activated<T>(id: string): Promise<T | undefined> {
  const extension = vscode.extensions.getExtension(id);
  if (!extension) {
    return undefined;
  }
  try {
    if (!extension.isActive) {
      await extension.activate();
    }
    return extension.exports as T;
  } catch {
    return undefined;
  }
}

async function envsApi(): Promise<EnvsApi | undefined> {
  const api = await activated<EnvsApi>(PYTHON_ENVIRONMENTS_ID);
  return api && typeof api.getEnvironment === 'function' ? api : undefined;
}

async function environmentsApi(): Promise<EnvironmentsApi | undefined> {
  const python = await activated<{ environments?: EnvironmentsApi }>(PYTHON_EXTENSION_ID);
  const api = python?.environments;
  return api && typeof api.getActiveEnvironmentPath === 'function' ? api : undefined;
}

export async function fromPythonEnvironments(
  resource: vscode.Uri | undefined,
): Promise<FoundInterpreter | undefined> {
  const api = await envsApi();
  if (!api) {
    return undefined;
  }
  try {
    const env = await api.getEnvironment(resource);
    const path = env?.execInfo?.run?.executable;
    return path ? { path, version: env?.version } : undefined;
  } catch {
    return undefined;
  }
}

export async function fromPythonExtension(
  resource: vscode.Uri | undefined,
): Promise<FoundInterpreter | undefined> {
  const api = await environmentsApi();
  if (!api) {
    return undefined;
  }
  try {
    const active = api.getActiveEnvironmentPath(resource);
    const resolved = await api.resolveEnvironment(active);
    const path = resolved?.executable?.uri?.fsPath ?? active.path;
    const v = resolved?.version;
    const version =
      v && typeof v.major === 'number' && typeof v.minor === 'number'
        ? `${v.major}.${v.minor}${typeof v.micro === 'number' ? `.${v.micro}` : ''}`
        : undefined;
    return path ? { path, version } : undefined;
  } catch {
    return undefined;
  }
}

/** Calls `listener` whenever the selected interpreter changes in either extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable[]> {
  const disposables: vscode.Disposable[] = [];
  const envs = await envsApi();
  if (envs?.onDidChangeEnvironment) {
    disposables.push(envs.onDidChangeEnvironment(() => listener()));
  }
  const environments = await environmentsApi();
  if (environments?.onDidChangeActiveEnvironmentPath) {
    disposables.push(environments.onDidChangeActiveEnvironmentPath(() => listener()));
  }
  return disposables;
}
