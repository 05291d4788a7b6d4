-- The switchboard config for Neovim 0.11+'s vim.lsp.enable('switchboard'): no filetypes, so it attaches to every filetype.
-- Override any field with vim.lsp.config('switchboard', { cmd = ..., settings = ... }).
return require('switchboard').lsp_config()
