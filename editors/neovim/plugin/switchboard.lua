-- Loaded at startup: defines the :Switchboard* commands (the server starts with require('switchboard').setup() or, on 0.11+, vim.lsp.enable('switchboard')).
if vim.g.loaded_switchboard then
  return
end
vim.g.loaded_switchboard = true
require('switchboard.commands').define()
