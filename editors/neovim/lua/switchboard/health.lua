-- :checkhealth switchboard: the Neovim version, the server binary and its version, its config, and the running clients.
local compat = require('switchboard.compat')

local M = {}

--- The command that starts the server: a running client's, else setup()'s, else (0.11+)
--- vim.lsp.config's, else the default.
function M.cmd()
  local sb = require('switchboard')
  local running = compat.clients(sb.name)[1]
  if running and type(running.config.cmd) == 'table' then
    return running.config.cmd
  end
  if not sb.config.cmd and vim.lsp.config then
    local ok, config = pcall(function()
      return vim.lsp.config[sb.name]
    end)
    if ok and type(config) == 'table' and type(config.cmd) == 'table' then
      return config.cmd
    end
  end
  return sb.cmd()
end

function M.check()
  local health = compat.health()
  local sb = require('switchboard')

  health.start('Neovim')
  local v = vim.version()
  local version = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  if compat.has('0.7') then
    local how = compat.has('0.11') and "vim.lsp.start, or vim.lsp.enable('switchboard')"
      or compat.has('0.8') and 'vim.lsp.start' or 'vim.lsp.start_client'
    health.ok(string.format('Neovim %s (starts the server with %s)', version, how))
  else
    health.error(string.format('Neovim %s is too old: switchboard needs 0.7 or newer', version))
  end

  health.start('switchboard server')
  local cmd = M.cmd()
  local path = vim.fn.exepath(cmd[1])
  if path == '' then
    health.error(string.format("'%s' is not executable", cmd[1]), {
      'Build it (cargo build --release) and put target/release on PATH,',
      "or set cmd = { '/path/to/switchboard', 'serve' } in require('switchboard').setup(),",
      'or set $SWITCHBOARD_BIN to the binary.',
    })
    return
  end
  local out = vim.fn.systemlist({ path, '--version' })
  if vim.v.shell_error ~= 0 or not out[1] then
    health.error(string.format('%s --version failed: %s', path, table.concat(out, ' ')))
    return
  end
  health.ok(string.format('%s (%s)', out[1], path))
  health.info('command: ' .. table.concat(cmd, ' '))

  local check = vim.fn.systemlist({ path, 'check' })
  if vim.v.shell_error == 0 then
    health.ok(string.format('config in %s: %s', compat.uv.cwd(), check[1] or 'ok'))
    for i = 2, #check do
      local line = check[i]:gsub('^%s+', '')
      if line ~= '' then
        health.info(line)
      end
    end
  else
    health.error(string.format('config in %s: %s', compat.uv.cwd(), table.concat(check, ' ')),
      { 'Mend the file named above; switchboard keeps the built-in defaults until then.' })
  end

  health.start('switchboard clients')
  local clients = compat.clients(sb.name)
  if #clients == 0 then
    health.info('none running; open a file (or run :SwitchboardStart)')
  end
  for _, client in ipairs(clients) do
    health.ok(string.format('client %d: workspace %s, positions in %s', client.id,
      tostring(client.config.root_dir), tostring(client.offset_encoding)))
  end
end

return M
