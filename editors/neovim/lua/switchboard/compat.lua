-- Shims over the Neovim APIs that changed between 0.7 and 0.11+, so the rest of the plugin reads the same everywhere.
local M = {}

local uv = vim.uv or vim.loop
M.uv = uv

--- Whether Neovim is at least this version ("0.8", "0.11", ...).
function M.has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

--- The running switchboard clients, all of them or those attached to a buffer.
function M.clients(name, bufnr)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ name = name, bufnr = bufnr })
  end
  local found = {}
  local all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(all) do
    if client.name == name then
      table.insert(found, client)
    end
  end
  table.sort(found, function(a, b)
    return a.id < b.id
  end)
  return found
end

--- client.request as a method on 0.11+ (where the dot form is deprecated), as a field before.
function M.request(client, method, params, handler, bufnr)
  if M.has('0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if M.has('0.11') then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.is_stopped(client)
  if M.has('0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- The width of a line's first `byte` bytes in an LSP position encoding.
function M.column(line, byte, encoding)
  local prefix = line:sub(1, byte)
  if encoding == 'utf-8' then
    return #prefix
  end
  local ok, width
  if M.has('0.11') then
    ok, width = pcall(vim.str_utfindex, prefix, encoding == 'utf-32' and 'utf-32' or 'utf-16')
  else
    local utf32, utf16
    ok, utf32, utf16 = pcall(vim.str_utfindex, prefix)
    width = encoding == 'utf-32' and utf32 or utf16
  end
  -- Not valid UTF-8: count bytes, which is what the buffer holds.
  return ok and width or #prefix
end

--- Fires `User PATTERN` with `data` where Neovim supports it (0.8+).
function M.user_event(pattern, data)
  local ok = pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = pattern, modeline = false, data = data })
  if not ok then
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = pattern, modeline = false })
  end
end

--- Reporting functions for :checkhealth: vim.health on 0.10+, require('health') before.
function M.health()
  local h = vim.health or require('health')
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
    info = h.info or h.report_info,
  }
end

return M
