-- switchboard for Neovim: starts the switchboard language server for every file buffer and handles what it sends back.
--
--   require('switchboard').setup({ cmd = { 'switchboard', 'serve' }, settings = { ... } })
--
-- Neovim 0.7 starts clients with vim.lsp.start_client + vim.lsp.buf_attach_client, 0.8+ with
-- vim.lsp.start; on 0.11+ `vim.lsp.enable('switchboard')` works too (see lsp/switchboard.lua).
-- See :help switchboard.
local compat = require('switchboard.compat')

local M = {}

M.name = 'switchboard'

M.defaults = {
  -- The server command; nil means { $SWITCHBOARD_BIN or 'switchboard', 'serve' }.
  cmd = nil,
  -- Extra environment for the server process (e.g. SWITCHBOARD_STATE_DIR).
  cmd_env = nil,
  -- switchboard's config as Lua tables, the structure of .switchboard.toml: sent as
  -- initializationOptions and with workspace/didChangeConfiguration.
  settings = {},
  -- A buffer's workspace folder is the nearest directory above it holding one of these.
  root_markers = { '.switchboard.toml', '.git' },
  -- Start the server for every file buffer; false: only with :SwitchboardStart.
  autostart = true,
  -- Open the quickfix window when an answer cites places (they are always put in the list).
  open_quickfix = true,
  -- Open an answer's markdown file in a split where Neovim has no window/showDocument (0.7).
  open_answer = true,
  -- Client capabilities; nil means Neovim's own.
  capabilities = nil,
  -- Called as on_attach(client, bufnr) for every buffer switchboard attaches to.
  on_attach = nil,
}

M.config = vim.deepcopy(M.defaults)

--- Every `switchboard/finished` notification received, oldest first.
M.history = {}
--- Commands the server is still working on, by trace id: { role, model, bufnr, client_id }.
M.running = {}

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end
M.notify = notify

--- The server command: the configured one, else $SWITCHBOARD_BIN, else `switchboard` on PATH.
function M.cmd()
  if M.config.cmd then
    return M.config.cmd
  end
  local bin = vim.env.SWITCHBOARD_BIN
  if bin == nil or bin == '' then
    bin = 'switchboard'
  end
  return { bin, 'serve' }
end

-- Paths -----------------------------------------------------------------------------------------

local function exists(path)
  return compat.uv.fs_stat(path) ~= nil
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

local function is_under(path, dir)
  if not dir then
    return false
  end
  dir = dir:gsub('/+$', '')
  return path == dir or path:sub(1, #dir + 1) == dir .. '/'
end

--- The file a buffer shows, as an absolute path; nil for buffers switchboard leaves alone
--- (help, terminals, quickfix, scratch, unnamed, URLs).
local function buffer_file(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  name = vim.fn.fnamemodify(name, ':p')
  if vim.fn.isdirectory(name) == 1 then
    return nil
  end
  return name
end

--- The workspace folder for a buffer: the nearest directory with a root marker; else a running
--- switchboard's folder that holds the file; else the working directory if it holds the file;
--- else a running switchboard (a file opened from elsewhere, like an answer); else its directory.
function M.root_dir(bufnr)
  local file = buffer_file(bufnr)
  if not file then
    return nil
  end
  local dir = dirname(file)
  while true do
    for _, marker in ipairs(M.config.root_markers or {}) do
      if exists(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = dirname(dir)
    if parent == dir then
      break
    end
    dir = parent
  end
  local clients = compat.clients(M.name)
  for _, client in ipairs(clients) do
    if is_under(file, client.config.root_dir) then
      return client.config.root_dir
    end
  end
  local cwd = compat.uv.cwd()
  if is_under(file, cwd) then
    return cwd
  end
  if clients[1] then
    return clients[1].config.root_dir
  end
  return dirname(file)
end

-- Handlers --------------------------------------------------------------------------------------

local function money(value)
  return string.format('$%.4f', tonumber(value) or 0)
end

--- One cited place as a quickfix item, with the encoding-aware column and text Neovim computes.
--- A checked citation of `switchboard/finished` (`{label, path, start_line, end_line, uri}`) as a
--- quickfix item.
local function quickfix_item(citation)
  local item = { filename = citation.path, lnum = citation.start_line, col = 1, text = citation.label }
  if (citation.end_line or 0) > citation.start_line then
    item.end_lnum = citation.end_line
  end
  return item
end

local function client_supports_show_document(client)
  local caps = client and client.config and client.config.capabilities
  if not caps then
    caps = vim.lsp.protocol.make_client_capabilities()
  end
  local show = caps.window and caps.window.showDocument
  return show ~= nil and show.support == true
end

--- `switchboard/finished`: the end of a command's work, `{trace_id, role, model, cost_usd, outcome, ...}`.
function M.on_finished(_, result, ctx)
  if type(result) ~= 'table' then
    return
  end
  table.insert(M.history, result)
  M.running[result.trace_id or ''] = nil
  local client = ctx and vim.lsp.get_client_by_id(ctx.client_id)
  local what = string.format('%s by %s', result.role or '?', result.model or '?')
  -- The trace id, for `switchboard trace ID`.
  local trace = string.format(' · trace %s', result.trace_id or '?')
  local outcome = result.outcome
  if outcome == 'applied' then
    notify(string.format('%s: applied (%s)%s', what, money(result.cost_usd), trace))
  elseif outcome == 'reviewed' then
    local findings = type(result.findings) == 'table' and #result.findings or 0
    notify(string.format('%s: %d finding(s) in the diagnostics (%s)%s', what, findings, money(result.cost_usd), trace))
  elseif outcome == 'answered' then
    local items = {}
    for _, citation in ipairs(result.citations or {}) do
      table.insert(items, quickfix_item(citation))
    end
    if #items > 0 then
      vim.fn.setqflist({}, ' ', {
        title = string.format('switchboard: %s (%s)', what, result.path or ''),
        items = items,
        context = { switchboard = { trace_id = result.trace_id } },
      })
    end
    if M.config.open_answer and result.path and not client_supports_show_document(client) then
      vim.cmd('split ' .. vim.fn.fnameescape(result.path))
    end
    if #items > 0 and M.config.open_quickfix then
      local win = vim.api.nvim_get_current_win()
      vim.cmd('botright copen')
      if vim.api.nvim_win_is_valid(win) then
        vim.api.nvim_set_current_win(win)
      end
    end
    local invalid = result.invalid_citations or {}
    local note = #invalid > 0 and string.format('; %d citation(s) not found', #invalid) or ''
    notify(string.format('%s: answered, %d cited place(s) in the quickfix list%s (%s)%s', what, #items, note,
      money(result.cost_usd), trace))
  elseif outcome == 'cancelled' then
    notify(what .. ': cancelled' .. trace)
  end
  -- refused, failed and unchanged: the server has already said why with window/showMessage.
  compat.user_event('SwitchboardFinished', result)
end

M.handlers = {
  ['switchboard/finished'] = function(err, result, ctx, config)
    -- An error here must not take the client down with it.
    local ok, problem = pcall(M.on_finished, err, result, ctx, config)
    if not ok then
      notify('handling switchboard/finished failed: ' .. tostring(problem), vim.log.levels.ERROR)
    end
  end,
  -- Neovim's own progress handling (LspProgress, the statusline), and for a command started
  -- from a code action, which the plugin did not start itself, a note that it started and how
  -- to stop it.
  ['$/progress'] = function(err, result, ctx, config)
    local default = vim.lsp.handlers['$/progress']
    if default then
      default(err, result, ctx, config)
    end
    local token = type(result) == 'table' and result.token
    local value = type(result) == 'table' and result.value
    if type(token) ~= 'string' or type(value) ~= 'table' or value.kind ~= 'begin' then
      return
    end
    local trace_id = token:match('^switchboard/(.+)$')
    if trace_id and not M.running[trace_id] then
      M.running[trace_id] = { client_id = ctx and ctx.client_id }
      notify(string.format('%s started (trace %s); :SwitchboardCancel stops it', value.title or 'a command',
        trace_id))
    end
  end,
  -- The server's messages (a refusal, why actions are unavailable, a config error) through
  -- vim.notify like the plugin's own, with their level; Neovim's default only echoes them.
  ['window/showMessage'] = function(_, result)
    if type(result) ~= 'table' or type(result.message) ~= 'string' then
      return
    end
    local levels = { vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG }
    vim.notify(result.message, levels[result.type] or vim.log.levels.INFO)
  end,
}

-- Starting the server ---------------------------------------------------------------------------

local function non_empty(t)
  return type(t) == 'table' and next(t) ~= nil
end

--- The client capabilities: the configured ones (else Neovim's own), saying that this plugin
--- tells the user how each job ended, so the server sends no closing message of its own.
function M.capabilities()
  local caps = vim.deepcopy(M.config.capabilities or vim.lsp.protocol.make_client_capabilities())
  caps.experimental = caps.experimental or {}
  caps.experimental.switchboard = { showsResults = true }
  return caps
end

--- The client config for vim.lsp.start / vim.lsp.start_client (and, with a root_dir function,
--- for vim.lsp.config on 0.11+).
function M.client_config(root)
  local settings = M.config.settings or {}
  return {
    name = M.name,
    cmd = M.cmd(),
    cmd_env = M.config.cmd_env,
    root_dir = root,
    init_options = non_empty(settings) and settings or nil,
    settings = settings,
    handlers = M.handlers,
    capabilities = M.capabilities(),
    on_attach = M.config.on_attach,
  }
end

-- 0.7 keeps one client per workspace folder here; 0.8+ has vim.lsp.start reuse them.
local clients_by_root = {}

--- Starts (or reuses) the server for a buffer's workspace folder and attaches the buffer.
--- Returns the client id, or nil for buffers switchboard leaves alone.
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local root = M.root_dir(bufnr)
  if not root then
    return nil
  end
  for _, client in ipairs(compat.clients(M.name, bufnr)) do
    return client.id
  end
  local config = M.client_config(root)
  if vim.fn.executable(config.cmd[1]) ~= 1 then
    if not M._warned_missing then
      M._warned_missing = true
      notify(string.format("cannot start the server: '%s' is not executable. Set cmd in setup() or " ..
        '$SWITCHBOARD_BIN, or put switchboard on PATH; see :checkhealth switchboard', config.cmd[1]),
        vim.log.levels.ERROR)
    end
    return nil
  end
  if vim.lsp.start then -- 0.8+
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or compat.is_stopped(client) then
    local on_exit = config.on_exit
    config.on_exit = function(...)
      if clients_by_root[root] == id then
        clients_by_root[root] = nil
      end
      if on_exit then
        on_exit(...)
      end
    end
    id = vim.lsp.start_client(config)
    if not id then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The switchboard client of a buffer, starting it if need be.
function M.client(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local client = compat.clients(M.name, bufnr)[1]
  if client then
    return client
  end
  local id = M.attach(bufnr)
  return id and vim.lsp.get_client_by_id(id) or nil
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- Lists replace, they do not merge index by index.
  if opts and opts.root_markers then
    M.config.root_markers = opts.root_markers
  end
  if opts and opts.cmd then
    M.config.cmd = opts.cmd
  end
  require('switchboard.commands').define()
  local group = vim.api.nvim_create_augroup('switchboard', { clear = true })
  if not M.config.autostart then
    return
  end
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile', 'BufFilePost', 'FileType' }, {
    group = group,
    callback = function(args)
      -- After the event, so that the filetype (the languageId) is known.
      vim.schedule(function()
        if vim.api.nvim_buf_is_valid(args.buf) then
          M.attach(args.buf)
        end
      end)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach(bufnr)
    end
  end
end

--- The config table lsp/switchboard.lua hands to vim.lsp.config on 0.11+.
function M.lsp_config()
  return {
    cmd = M.cmd(),
    -- No filetypes: every filetype.
    root_dir = function(bufnr, on_dir)
      local root = M.root_dir(bufnr)
      if root then
        on_dir(root)
      end
    end,
    handlers = M.handlers,
    capabilities = M.capabilities(),
    -- settings double as initializationOptions unless init_options is set.
    before_init = function(params, config)
      if params.initializationOptions == nil and non_empty(config.settings) then
        params.initializationOptions = config.settings
      end
    end,
  }
end

--- For a statusline: the commands still running, e.g. "switchboard: implement/coder".
function M.statusline()
  local parts = {}
  for _, job in pairs(M.running) do
    table.insert(parts, string.format('%s/%s', job.role or '?', job.model or '?'))
  end
  if #parts == 0 then
    return ''
  end
  table.sort(parts)
  return 'switchboard: ' .. table.concat(parts, ' ')
end

return M
