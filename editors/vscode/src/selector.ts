// Pure document selection: which files the language client sends to the server.

/**
 * Glob patterns (VS Code glob syntax) of the files lint-env checks, besides Python:
 * the names `lint-env check` reads (conda files are `environment*`/`env*` YAML).
 */
export const FILE_PATTERNS: readonly string[] = [
  '**/requirements*.{txt,in}',
  '**/requirements/*.{txt,in}',
  '**/constraints*.txt',
  '**/env*.{yml,yaml}',
  '**/pyproject.toml',
];

export type Filter =
  | { scheme: string; pattern: string }
  | { scheme: string; language: string }
  | { notebook: string; language: string };

/**
 * The client's document selector. Notebook cells are synchronised through the
 * server's notebookDocumentSync (jupyter-notebook, python cells); the cell filter
 * lets vscode-languageclient route them.
 */
export function documentSelector(): Filter[] {
  return [
    ...FILE_PATTERNS.map((pattern) => ({ scheme: 'file', pattern })),
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'python' },
    { scheme: 'vscode-notebook-cell', language: 'python' },
    { notebook: 'jupyter-notebook', language: 'python' },
  ];
}
