-- The :Switchboard* user commands: run a switchboard server command on the visual range or the cursor line.
local compat = require('switchboard.compat')

local M = {}

--- The LSP range of a command's lines, or of the charwise visual selection they came from, in
--- the client's position encoding. `opts` is a user command's argument table.
function M.range(bufnr, opts, encoding)
  local function line_text(lnum) -- 1-based
    return vim.api.nvim_buf_get_lines(bufnr, lnum - 1, lnum, false)[1] or ''
  end
  local first = vim.api.nvim_win_get_cursor(0)[1]
  local last = first
  if opts and opts.range and opts.range > 0 then
    first, last = opts.line1, opts.line2
  end
  local start_col, end_col -- bytes, 0-based, end exclusive
  if opts and opts.range == 2 and vim.fn.visualmode() == 'v' then
    local from, to = vim.fn.getpos("'<"), vim.fn.getpos("'>")
    if from[2] == first and to[2] == last then
      start_col = from[3] - 1
      local text = line_text(last)
      if to[3] >= #text then
        end_col = #text
      else
        -- '> points at the first byte of the last selected character: take the whole character.
        local char = text:sub(to[3]):match('^[%z\1-\127\194-\244][\128-\191]*') or text:sub(to[3], to[3])
        end_col = to[3] - 1 + #char
      end
    end
  end
  start_col = start_col or 0
  end_col = end_col or #line_text(last)
  return {
    start = { line = first - 1, character = compat.column(line_text(first), start_col, encoding) },
    ['end'] = { line = last - 1, character = compat.column(line_text(last), end_col, encoding) },
  }
end

--- Runs `switchboard.NAME` through workspace/executeCommand with [{uri, range, instruction?}].
--- The server answers at once with {trace_id, role, model}; the result comes later (an edit,
--- diagnostics, an answer) and ends with switchboard/finished. `on_started(err, answer)` is
--- optional.
function M.run(name, opts, instruction, on_started)
  local sb = require('switchboard')
  local bufnr = vim.api.nvim_get_current_buf()
  local client = sb.client(bufnr)
  if not client then
    sb.notify('no switchboard server for this buffer (it needs a file; see :checkhealth switchboard)',
      vim.log.levels.ERROR)
    return
  end
  local argument = {
    uri = vim.uri_from_bufnr(bufnr),
    range = M.range(bufnr, opts, client.offset_encoding or 'utf-16'),
  }
  if instruction and instruction ~= '' then
    argument.instruction = instruction
  end
  local params = { command = 'switchboard.' .. name, arguments = { argument } }
  compat.request(client, 'workspace/executeCommand', params, function(err, answer)
    if err then
      sb.notify(string.format('%s: %s', name, err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif type(answer) == 'table' and answer.trace_id then
      -- A fast job may already have finished: its notification can overtake this answer.
      local done = false
      for _, finished in ipairs(sb.history) do
        done = done or finished.trace_id == answer.trace_id
      end
      if not done then
        sb.running[answer.trace_id] = { role = answer.role, model = answer.model, bufnr = bufnr,
          client_id = client.id }
      end
      sb.notify(string.format('%s with %s started (trace %s)', answer.role or name, answer.model or '?',
        answer.trace_id))
    end
    if on_started then
      on_started(err, answer)
    end
  end, bufnr)
end

--- :SwitchboardCosts: today's spend against the budget.
function M.costs()
  local sb = require('switchboard')
  local client = sb.client(0)
  if not client then
    sb.notify('no switchboard server for this buffer', vim.log.levels.ERROR)
    return
  end
  compat.request(client, 'switchboard/costs', nil, function(err, costs)
    if err or type(costs) ~= 'table' then
      sb.notify('costs: ' .. (err and err.message or 'no answer'), vim.log.levels.ERROR)
      return
    end
    local function usd(v)
      return type(v) == 'number' and string.format('$%.4f', v) or 'no cap'
    end
    local text = string.format('spent today %s, left today %s (cap %s)', usd(costs.spent_today),
      usd(costs.left_today), usd(costs.per_day_usd))
    if type(costs.spent_month) == 'number' then
      text = text .. string.format(', this month %s', usd(costs.spent_month))
    end
    text = text .. string.format('; %d running', tonumber(costs.running) or 0)
    if costs.error then
      text = text .. ' (' .. tostring(costs.error) .. ')'
    end
    sb.notify(text)
  end, vim.api.nvim_get_current_buf())
end

--- :SwitchboardCancel: cancels every command still running, whichever way it started (a
--- :Switchboard* command or a code action), with the server's switchboard.cancel.
function M.cancel()
  local sb = require('switchboard')
  local clients = compat.clients(sb.name)
  if #clients == 0 then
    sb.notify('the server is not running')
    return
  end
  for _, client in ipairs(clients) do
    compat.request(client, 'workspace/executeCommand', { command = 'switchboard.cancel', arguments = {} },
      function(err, result)
        if err then
          sb.notify('cancel failed: ' .. tostring(err.message or err), vim.log.levels.ERROR)
          return
        end
        local cancelled = (result and result.cancelled) or {}
        sb.notify(#cancelled == 0 and 'nothing is running' or
          string.format('cancelling %s', table.concat(cancelled, ', ')))
      end)
  end
end

local defined = false

function M.define()
  if defined then
    return
  end
  defined = true
  local create = vim.api.nvim_create_user_command
  local function role_command(command, server_command, nargs, desc)
    create(command, function(opts)
      M.run(server_command, opts, opts.args)
    end, { range = true, nargs = nargs, desc = desc })
  end
  role_command('SwitchboardImplement', 'implement', '*', 'switchboard: implement the range [instruction]')
  role_command('SwitchboardReview', 'review', '*', 'switchboard: review the range')
  role_command('SwitchboardExplain', 'search', '*', 'switchboard: explain the range (answer and quickfix)')
  role_command('SwitchboardPlan', 'plan', '*', 'switchboard: plan the range')
  role_command('SwitchboardAsk', 'ask', '+', 'switchboard: {instruction} on the range; the router picks the role')
  create('SwitchboardCosts', M.costs, { nargs = 0, desc = "switchboard: today's costs and budget" })
  create('SwitchboardCancel', M.cancel, { nargs = 0, desc = 'switchboard: cancel running commands' })
  create('SwitchboardStart', function()
    require('switchboard').attach(0)
  end, { nargs = 0, desc = 'switchboard: start the server for this buffer' })
end

return M
