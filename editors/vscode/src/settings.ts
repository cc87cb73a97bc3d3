// Pure settings logic: no `vscode` import, so it is unit-tested with `node --test`.

export const SECTION = 'lintEnv';

/** The extension's settings, normalised (wrong types become the defaults). */
export interface LintEnvSettings {
  targets: string[];
  pythonVersion: string;
  interpreter: string;
  select: string[];
  ignore: string[];
  /** Command prefix that runs lint-env (client only); empty = bundled. */
  path: string[];
  /** Larger buffers are not analysed (null: the server's default, 5 MiB). */
  maxDocumentBytes: number | null;
}

/** What the language server receives as `initializationOptions`. */
export interface InitializationOptions {
  targets: string[];
  pythonVersion: string | null;
  interpreter: string | null;
  select: string[];
  ignore: string[];
  maxDocumentBytes: number | null;
}

/** The part of `vscode.WorkspaceConfiguration` this module needs. */
export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.trim() ? [value.trim()] : [];
  }
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function readSettings(config: ConfigReader): LintEnvSettings {
  return {
    targets: stringList(config.get('targets')),
    pythonVersion: text(config.get('pythonVersion')),
    interpreter: text(config.get('interpreter')),
    select: stringList(config.get('select')),
    ignore: stringList(config.get('ignore')),
    path: stringList(config.get('path')),
    maxDocumentBytes: positiveInteger(config.get('maxDocumentBytes')),
  };
}

/**
 * initializationOptions for the server. `interpreter` is the interpreter the user
 * selected (what `lint-env.validate` runs when called without arguments).
 */
export function initializationOptions(
  settings: LintEnvSettings,
  interpreter: string | undefined,
): InitializationOptions {
  return {
    targets: [...settings.targets],
    pythonVersion: settings.pythonVersion || null,
    interpreter: interpreter || settings.interpreter || null,
    select: [...settings.select],
    ignore: [...settings.ignore],
    maxDocumentBytes: settings.maxDocumentBytes,
  };
}

/** vscode-languageclient's line for a server process that exited with code 0. */
export function isCleanExit(line: string): boolean {
  return /^\[Error\s*-[^\]]*\] Server process exited with code 0\.$/.test(line.trim());
}

/**
 * The `workspace/configuration` answer for the server: where the section is lintEnv
 * and its interpreter is empty, the interpreter the user selected; the client-only
 * `path` is left out.
 */
export function withSelectedInterpreter(
  values: unknown[],
  items: { section?: string }[],
  selected: string | undefined,
): unknown[] {
  return values.map((value, index) => {
    if (items[index]?.section !== SECTION || !value || typeof value !== 'object' || Array.isArray(value)) {
      return value;
    }
    const { path: _clientOnly, ...rest } = value as Record<string, unknown>;
    const interpreter = typeof rest.interpreter === 'string' ? rest.interpreter.trim() : '';
    return { ...rest, interpreter: interpreter || selected || null };
  });
}
