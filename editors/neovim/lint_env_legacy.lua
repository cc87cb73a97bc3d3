-- lint-env for Neovim 0.8 - 0.10 (vim.lsp.start in a FileType autocmd).
-- Neovim 0.11+: use lsp/lint_env.lua with vim.lsp.enable('lint_env') instead.
-- Usage: copy into your config and `require('lint_env_legacy')`, or :luafile it.

vim.filetype.add({
  pattern = {
    ['.*/requirements[^/]*%.txt'] = 'requirements',
    ['.*/requirements[^/]*%.in'] = 'requirements',
    ['.*/constraints[^/]*%.txt'] = 'requirements',
    ['.*/requirements/[^/]*%.txt'] = 'requirements',
    ['.*/requirements/[^/]*%.in'] = 'requirements',
  },
})

-- The project root: the nearest pyproject.toml or .git, else the nearest folder with
-- an environment or requirements file, else the file's folder.
local project_markers = { 'pyproject.toml', '.git' }
local fallback_markers = { 'environment.yml', 'environment.yaml', 'requirements.txt' }

local function root_of(dir)
  for _, markers in ipairs({ project_markers, fallback_markers }) do
    local found = vim.fs.find(markers, { upward = true, path = dir })[1]
    if found then
      return vim.fs.dirname(found)
    end
  end
  return dir
end
local name_patterns = {
  '^requirements.*%.txt$',
  '^requirements.*%.in$',
  '^constraints.*%.txt$',
  '^env.*%.ya?ml$', -- environment*.yml, env.yml, ...
  '^pyproject%.toml$',
  '%.py$',
}

-- pip-tools layout: requirements/base.in, requirements/dev.txt
local function in_requirements_dir(path)
  return path:match('/requirements/[^/]*%.txt$') ~= nil
    or path:match('/requirements/[^/]*%.in$') ~= nil
end

local function is_lint_env_file(name)
  for _, pattern in ipairs(name_patterns) do
    if name:match(pattern) then
      return true
    end
  end
  return false
end

vim.api.nvim_create_autocmd('FileType', {
  group = vim.api.nvim_create_augroup('lint_env_lsp', { clear = true }),
  pattern = { 'python', 'requirements', 'yaml', 'toml' },
  callback = function(args)
    local path = vim.api.nvim_buf_get_name(args.buf)
    local name = vim.fs.basename(path)
    if path == '' or not (is_lint_env_file(name) or in_requirements_dir(path)) then
      return
    end
    vim.lsp.start({
      name = 'lint_env',
      cmd = { 'lint-env', 'server' },
      root_dir = root_of(vim.fs.dirname(path)),
      init_options = { targets = {}, select = {}, ignore = {} },
      settings = { lintEnv = { targets = {}, select = {}, ignore = {} } },
    }, { bufnr = args.buf })
  end,
})
