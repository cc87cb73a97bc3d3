-- Filetype rules for lint-env (Neovim 0.8+). Neovim detects requirements.txt and
-- constraints.txt as "requirements" but requirements-dev.txt, *.in and
-- requirements/base.txt as plain text.
vim.filetype.add({
  pattern = {
    ['.*/requirements[^/]*%.txt'] = 'requirements',
    ['.*/requirements[^/]*%.in'] = 'requirements',
    ['.*/constraints[^/]*%.txt'] = 'requirements',
    ['.*/requirements/[^/]*%.txt'] = 'requirements',
    ['.*/requirements/[^/]*%.in'] = 'requirements',
  },
})
