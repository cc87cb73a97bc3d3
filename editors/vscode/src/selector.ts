// Pure document selection: which files the language client sends to the server.

/**
 * Glob patterns (VS Code glob syntax) of the files lint-env checks, besides Python:
 * the names `lint-env check` reads (server/lint_env/sources/__init__.py: conda files are
 * `environment*`/`env*` YAML; other YAML is recognised by content only in `check`).
 */
export const FILE_PATTERNS: readonly string[] = [
  '**/*requirements*.{txt,in,pip}',
  '**/{requirements,requirement,reqs}/*.{txt,in,pip}',
  '**/*.pip',
  '**/constraints*.{txt,in}',
  '**/env*.{yml,yaml}',
  '**/pyproject.toml',
  // lock files: exact versions and files (uv, Poetry, PEP 751)
  '**/uv.lock',
  '**/poetry.lock',
  '**/pylock*.toml',
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
