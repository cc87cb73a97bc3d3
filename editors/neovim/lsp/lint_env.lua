-- lint-env language server for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
-- Put this directory (editors/neovim) on 'runtimepath', or copy this file to
-- ~/.config/nvim/lsp/lint_env.lua, then call:  vim.lsp.enable('lint_env')
-- (plugin/lint_env.lua in this directory also adds the requirements filetype rules).

-- The project root: like `lint-env check`, the nearest pyproject.toml or .git;
-- else the nearest folder with an environment or requirements file.
local project_markers = { 'pyproject.toml', '.git' }
local fallback_markers = { 'environment.yml', 'environment.yaml', 'requirements.txt' }

-- Files lint-env checks; other yaml/toml buffers (mkdocs.yml, Cargo.toml) are skipped.
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

---@type vim.lsp.Config
return {
  cmd = { 'lint-env', 'server' },
  filetypes = { 'python', 'requirements', 'yaml', 'toml' },
  -- Called for every buffer of the filetypes above: attach only to lint-env files.
  root_dir = function(bufnr, on_dir)
    local path = vim.api.nvim_buf_get_name(bufnr)
    if not (is_lint_env_file(vim.fs.basename(path)) or in_requirements_dir(path)) then
      return
    end
    on_dir(
      vim.fs.root(bufnr, project_markers)
        or vim.fs.root(bufnr, fallback_markers)
        or vim.fs.dirname(path)
    )
  end,
  -- Sent as initializationOptions (nil keys are left out: the project's config applies).
  init_options = {
    targets = {}, -- e.g. { 'macos-arm64', 'linux-x86_64' }
    select = {},
    ignore = {},
    -- pythonVersion = '3.11',
    -- interpreter = '/opt/homebrew/Caskroom/miniforge/base/envs/tf/bin/python',
  },
  -- Answers workspace/configuration requests for section "lintEnv".
  settings = {
    lintEnv = {
      targets = {},
      select = {},
      ignore = {},
    },
  },
}
