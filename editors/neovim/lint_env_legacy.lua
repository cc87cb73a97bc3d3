-- lint-env for Neovim 0.8 - 0.10 (vim.lsp.start in a FileType autocmd).
-- Neovim 0.11+: use lsp/lint_env.lua with vim.lsp.enable('lint_env') instead.
-- Usage: copy into your config and `require('lint_env_legacy')`, or :luafile it.

vim.filetype.add({
  pattern = {
    ['.*/requirements[^/]*%.txt'] = 'requirements',
    ['.*/requirements[^/]*%.in'] = 'requirements',
    ['.*/constraints[^/]*%.txt'] = 'requirements',
  },
})

local root_markers = { 'pyproject.toml', 'environment.yml', 'environment.yaml', 'requirements.txt', '.git' }
local name_patterns = {
  '^requirements.*%.txt$',
  '^requirements.*%.in$',
  '^constraints.*%.txt$',
  '^environment.*%.ya?ml$',
  '^pyproject%.toml$',
  '%.py$',
}

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
    if path == '' or not is_lint_env_file(vim.fs.basename(path)) then
      return
    end
    local dir = vim.fs.dirname(path)
    local marker = vim.fs.find(root_markers, { upward = true, path = dir })[1]
    vim.lsp.start({
      name = 'lint_env',
      cmd = { 'lint-env', 'server' },
      root_dir = marker and vim.fs.dirname(marker) or dir,
      init_options = { targets = {}, select = {}, ignore = {} },
      settings = { lintEnv = { targets = {}, select = {}, ignore = {} } },
    }, { bufnr = args.buf })
  end,
})
