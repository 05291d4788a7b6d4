-- The headless Neovim test of editors/neovim (run by tests/editors/neovim/run.sh): code actions, implement, review and explain against the fake provider.
--
-- Environment: SB_PLUGIN (editors/neovim), SB_BIN (the server), SB_WORKSPACE (a copy of the
-- fixture with a .switchboard.toml pointing at the fake provider), SB_HELP_DIR (a scratch dir).
-- Exits 0 when every check passed, else prints what failed and exits 1.

local started = vim.loop.hrtime()
local function out(text)
  io.stdout:write(text .. "\n")
  io.stdout:flush()
end
local function step(text)
  out(string.format('  [%5.1fs] %s', (vim.loop.hrtime() - started) / 1e9, text))
end

local messages = {} -- every vim.notify, to show on failure; errors fail the test at once
local errors = {}

local function fail(text)
  error(text, 0)
end
local function check(condition, text)
  if not condition then
    fail(text)
  end
end
local function wait(ms, condition, what)
  local ok = vim.wait(ms, function()
    return #errors > 0 or condition()
  end, 50)
  if #errors > 0 then
    fail('switchboard reported an error while waiting for ' .. what .. ': ' .. errors[1])
  end
  check(ok, string.format('timed out after %d ms waiting for %s', ms, what))
end

local function main()
  local plugin, bin, ws = vim.env.SB_PLUGIN, vim.env.SB_BIN, vim.env.SB_WORKSPACE
  check(plugin and bin and ws, 'SB_PLUGIN, SB_BIN and SB_WORKSPACE must be set')
  local v = vim.version()
  step(string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch))

  vim.notify = function(msg, level)
    msg = tostring(msg)
    table.insert(messages, msg)
    if level == vim.log.levels.ERROR then
      table.insert(errors, msg)
    end
  end
  -- Filetype detection (the languageId), but no ftplugins: some Neovims start a tree-sitter
  -- parser from ftplugin/markdown.lua that an unpacked package may lack, and the answers are markdown.
  vim.cmd('filetype on')
  vim.cmd('filetype plugin indent off')
  vim.o.swapfile = false
  vim.opt.runtimepath:prepend(plugin)
  vim.cmd('runtime plugin/switchboard.lua')
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))

  local sb = require('switchboard')
  local compat = require('switchboard.compat')
  -- Sent as initializationOptions: the budget below must come back from switchboard/costs.
  local settings = { budget = { per_day_usd = 7.5 } }
  if compat.has('0.11') then
    step("starting the server with vim.lsp.enable('switchboard') (lsp/switchboard.lua)")
    sb.setup({ autostart = false })
    vim.lsp.config('switchboard', { cmd = { bin, 'serve' }, settings = settings })
    vim.lsp.enable('switchboard')
  else
    step('starting the server with require("switchboard").setup()')
    sb.setup({ cmd = { bin, 'serve' }, settings = settings })
  end

  -- Progress reaches Neovim's own LSP progress: LspProgress on 0.10+, LspProgressUpdate before.
  local progress = {}
  if compat.has('0.10') then
    vim.api.nvim_create_autocmd('LspProgress', {
      callback = function(ev)
        local params = ev.data and ev.data.params
        if params and type(params.token) == 'string' then
          progress[params.token] = true
        end
      end,
    })
  else
    vim.api.nvim_create_autocmd('User', {
      pattern = 'LspProgressUpdate',
      callback = function()
        for _, c in ipairs(compat.clients('switchboard')) do
          for token in pairs(c.messages and c.messages.progress or {}) do
            progress[token] = true
          end
        end
      end,
    })
  end

  vim.cmd('edit inventory.py')
  local buf = vim.api.nvim_get_current_buf()
  local file = vim.api.nvim_buf_get_name(buf)
  local client
  wait(20000, function()
    client = compat.clients('switchboard', buf)[1]
    return client ~= nil and client.initialized
  end, 'the switchboard client to start and initialize')
  check(client.config.root_dir == ws, string.format('workspace folder %s, expected %s',
    tostring(client.config.root_dir), ws))
  step(string.format('client %d attached to %s (workspace %s, positions in %s)', client.id,
    vim.fn.fnamemodify(file, ':t'), client.config.root_dir, client.offset_encoding))

  local function lines()
    return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  end
  local function code_actions(range, diagnostics)
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = range,
      context = { diagnostics = diagnostics or {} },
    }
    local actions = {}
    for _, response in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000) or {}) do
      for _, action in ipairs(response.result or {}) do
        table.insert(actions, action)
      end
    end
    return actions
  end
  local function run(cmdline, role)
    local before = #sb.history
    step(':' .. cmdline)
    vim.cmd(cmdline)
    wait(30000, function()
      return #sb.history > before
    end, role .. ' to finish (switchboard/finished)')
    local finished = sb.history[#sb.history]
    check(finished.role == role, string.format('finished role %s, expected %s', tostring(finished.role), role))
    return finished
  end

  -- 1. Code actions on `add` (lines 8-10) name the models that would serve.
  local add = { start = { line = 7, character = 0 }, ['end'] = { line = 9, character = 0 } }
  local titles
  wait(20000, function()
    titles = {}
    for _, action in ipairs(code_actions(add)) do
      table.insert(titles, action.title)
    end
    return #titles >= 4
  end, 'the code actions (the server loads its config after initialized)')
  for _, pattern in ipairs({ '^Implement with coder %(~%$%d+%.%d%d%d*%)$', '^Review with reviewer %(~%$',
    '^Explain with searcher %(~%$', '^Plan with coder %(~%$' }) do
    local found = false
    for _, title in ipairs(titles) do
      found = found or title:match(pattern) ~= nil
    end
    check(found, string.format('no code action matches %q; got: %s', pattern, table.concat(titles, ' | ')))
  end
  step('code actions: ' .. table.concat(titles, ' | '))

  -- 2. Implement lines 8-10 with an instruction: the edit lands in the buffer, exactly.
  local finished = run('8,10SwitchboardImplement raise ValueError for negative counts', 'implement')
  check(finished.outcome == 'applied', 'implement outcome ' .. tostring(finished.outcome) .. ': ' ..
    tostring(finished.message))
  check(finished.model == 'coder', 'implement model ' .. tostring(finished.model))
  local expected = {
    '"""Inventory: the fixture of switchboard\'s Neovim test (naïve ☃ text on purpose)."""',
    '',
    '',
    'class Inventory:',
    '    def __init__(self):',
    '        self.items = {}',
    '',
    '    def add(self, name, count):',
    '        if count < 0:',
    '            raise ValueError(f"cannot add {count} {name}: counts are positive")',
    '        self.items[name] = self.items.get(name, 0) + count  # 📦 → stock kept',
    '',
    '    def remove(self, name, count):',
    '        self.items[name] = self.items[name] - count',
    '',
    '    def total(self):',
    '        return sum(self.items.values())',
  }
  wait(5000, function()
    return vim.deep_equal(lines(), expected)
  end, 'the implement edit in the buffer')
  vim.cmd('silent write')
  check(vim.deep_equal(vim.fn.readfile(file), expected), 'inventory.py on disk differs after :write')
  step(string.format('implement applied by %s ($%.4f); buffer and file are exactly as expected',
    finished.model, finished.cost_usd or 0))
  check(progress['switchboard/' .. finished.trace_id],
    'no LSP progress for switchboard/' .. finished.trace_id .. '; saw: ' .. vim.inspect(vim.tbl_keys(progress)))
  step('its progress went through the built-in LSP progress (token switchboard/' .. finished.trace_id .. ')')
  -- The plugin tells how it ended, with the trace id `switchboard trace` takes; the server,
  -- told so by the plugin's capabilities, does not say it a second time.
  local told, twice = nil, false
  for _, message in ipairs(messages) do
    if message:find('trace ' .. finished.trace_id, 1, true) and message:find('applied', 1, true) then
      if told then
        twice = true
      end
      told = message
    end
  end
  check(told, 'no message names the outcome and trace ' .. finished.trace_id ..
    ': ' .. vim.inspect(messages))
  check(not twice, 'the outcome was told twice: ' .. vim.inspect(messages))
  step('told: ' .. told)

  -- 3. Review `remove` (lines 13-14): the finding becomes a diagnostic with source switchboard.
  finished = run('13,14SwitchboardReview', 'review')
  check(finished.outcome == 'reviewed', 'review outcome ' .. tostring(finished.outcome) .. ': ' ..
    tostring(finished.message))
  local finding
  wait(5000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.source == 'switchboard' then
        finding = d
      end
    end
    return finding ~= nil
  end, 'a diagnostic with source switchboard')
  check(finding.lnum == 13, 'the finding is on line ' .. (finding.lnum + 1) .. ', expected 14')
  check(finding.message:find('KeyError', 1, true), 'finding message: ' .. finding.message)
  check(finding.message:find('reviewer', 1, true), 'the finding does not name the model: ' .. finding.message)
  check(finding.severity == vim.diagnostic.severity.WARN, 'finding severity ' .. tostring(finding.severity))
  step(string.format('review: line %d %s', finding.lnum + 1, finding.message))
  local fixes = {}
  for _, action in ipairs(code_actions({ start = { line = 13, character = 0 }, ['end'] = { line = 13, character = 0 } })) do
    if action.kind == 'quickfix' then
      table.insert(fixes, action.title)
    end
  end
  check(#fixes >= 1, "no quickfix code action offers the finding's fix")
  step('quickfix offered: ' .. fixes[1])
  -- The finding is on line 14 alone: the line below offers no fix.
  for _, action in ipairs(code_actions({ start = { line = 14, character = 0 }, ['end'] = { line = 14, character = 0 } })) do
    check(action.kind ~= 'quickfix', 'line 15 offers the line-14 fix: ' .. tostring(action.title))
  end
  step('line 15 offers no fix of the line-14 finding')

  -- 4. Explain `total` (lines 16-17): the cited places go to the quickfix list.
  finished = run('16,17SwitchboardExplain', 'search')
  check(finished.outcome == 'answered', 'search outcome ' .. tostring(finished.outcome) .. ': ' ..
    tostring(finished.message))
  check(#(finished.citations or {}) == 3, 'expected 3 checked citations, got ' .. #(finished.citations or {}))
  check(vim.deep_equal(finished.invalid_citations, { 'missing.py:3' }),
    'invalid citations: ' .. vim.inspect(finished.invalid_citations))
  local qf = vim.fn.getqflist({ items = 1, title = 1 })
  local got = {}
  for _, item in ipairs(qf.items) do
    local name = vim.api.nvim_buf_get_name(item.bufnr)
    check(name == file, 'quickfix item in ' .. name .. ', expected ' .. file)
    table.insert(got, item.lnum)
  end
  check(vim.deep_equal(got, { 16, 8, 13 }), 'quickfix lines ' .. vim.inspect(got) .. ', expected { 16, 8, 13 }')
  check(qf.title:find('switchboard', 1, true), 'quickfix title ' .. qf.title)
  check(vim.fn.bufexists(finished.path) == 1, 'the answer ' .. tostring(finished.path) .. ' was not opened')
  step(string.format('explain: quickfix list %q holds lines %s; answer opened', qf.title, table.concat(got, ', ')))
  -- The answer is a document to read: what was asked of which lines at its top, the cited
  -- places at its end with absolute paths, which gF opens at the line.
  local answer_lines = vim.fn.readfile(finished.path)
  check(answer_lines[1] == '# Explain: inventory.py:16-17', 'the answer starts with ' .. tostring(answer_lines[1]))
  local answer_buf = vim.fn.bufnr(finished.path)
  local code_win = vim.api.nvim_get_current_win()
  vim.cmd('split')
  vim.api.nvim_win_set_buf(0, answer_buf)
  local cited = vim.fn.search(vim.fn.escape(file, '/.') .. ':16', 'w')
  check(cited > 0, 'the answer lists no absolute path ' .. file .. ':16')
  vim.fn.search(vim.fn.escape(file, '/.'), 'c', cited)
  vim.cmd('normal! gF')
  check(vim.api.nvim_buf_get_name(0) == file and vim.fn.line('.') == 16,
    string.format('gF on the cited place opened %s:%d', vim.api.nvim_buf_get_name(0), vim.fn.line('.')))
  vim.cmd('close')
  vim.api.nvim_set_current_win(code_win)
  step('the answer starts with what was asked; gF on a cited place opens inventory.py at line 16')

  -- 4b. A command started as a code action does (workspace/executeCommand, not one of the
  -- plugin's commands) says it started, and :SwitchboardCancel stops it: nothing applied.
  local before = #sb.history
  compat.request(client, 'workspace/executeCommand', {
    command = 'switchboard.plan',
    arguments = { { uri = vim.uri_from_bufnr(buf), range = add, instruction = 'plan this slowly' } },
  }, function() end, buf)
  local started_note
  wait(10000, function()
    for _, message in ipairs(messages) do
      if message:find(':SwitchboardCancel stops it', 1, true) then
        started_note = message
      end
    end
    return started_note ~= nil
  end, 'the note that the code action started')
  vim.cmd('SwitchboardCancel')
  wait(10000, function()
    return #sb.history > before
  end, 'the cancelled plan to finish')
  check(sb.history[#sb.history].outcome == 'cancelled', 'the plan ended ' ..
    tostring(sb.history[#sb.history].outcome))
  step(started_note .. '; :SwitchboardCancel cancelled it')

  -- 5. Ranges are sent in the client's position encoding: a charwise selection after an emoji.
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('normal! v\27')
  local text = lines()[11]
  local ascii = #'        self.items[name] = self.items.get(name, 0) + count  # '
  local stock = text:find('stock', 1, true)
  local function range_of(first_byte, last_byte, encoding)
    vim.fn.setpos("'<", { 0, 11, first_byte, 0 })
    vim.fn.setpos("'>", { 0, 11, last_byte, 0 })
    return require('switchboard.commands').range(buf, { range = 2, line1 = 11, line2 = 11 }, encoding)
  end
  for encoding, start in pairs({ ['utf-16'] = ascii + 5, ['utf-32'] = ascii + 4, ['utf-8'] = ascii + 9 }) do
    local r = range_of(stock, stock + 4, encoding)
    check(r.start.line == 10 and r.start.character == start and r['end'].character == start + 5,
      string.format('%s range of "stock": %s, expected characters %d-%d', encoding, vim.inspect(r), start, start + 5))
  end
  local box = range_of(ascii + 1, ascii + 1, 'utf-16') -- the emoji alone: two UTF-16 units
  check(box.start.character == ascii and box['end'].character == ascii + 2, 'utf-16 range of the emoji: ' ..
    vim.inspect(box))
  step('charwise ranges convert to utf-8, utf-16 and utf-32 columns')

  -- 6. Costs: the budget from the settings, and what the three calls cost.
  local costs
  for _, response in pairs(vim.lsp.buf_request_sync(buf, 'switchboard/costs', nil, 5000) or {}) do
    costs = response.result
  end
  check(type(costs) == 'table', 'switchboard/costs gave no answer')
  check(costs.per_day_usd == 7.5, 'per_day_usd ' .. tostring(costs.per_day_usd) ..
    ', expected 7.5 from the settings (initializationOptions)')
  check((costs.spent_today or 0) > 0 and costs.running == 0, 'costs: ' .. vim.inspect(costs))
  vim.cmd('SwitchboardCosts')
  wait(5000, function()
    return messages[#messages]:find('spent today', 1, true) ~= nil
  end, ':SwitchboardCosts to report')
  step(messages[#messages])

  -- 6b. An edit of .switchboard.toml on disk is in effect without a restart (Neovim on Linux
  -- watches no files for the server, so the server watches itself): a per-request cap far
  -- below any call disables the actions, and the reason reaches the user.
  local config_file = ws .. '/.switchboard.toml'
  local config_lines = vim.fn.readfile(config_file)
  table.insert(config_lines, 'per_request_usd = 0.000001')
  vim.fn.writefile(config_lines, config_file)
  -- Polled by hand: a wait() whose condition waits on the server itself never times out.
  local reason, last
  for _ = 1, 75 do
    last = code_actions(add)
    for _, action in ipairs(last) do
      if action.disabled and action.disabled.reason then
        reason = action.disabled.reason
      end
    end
    for _, message in ipairs(messages) do
      if message:find('unavailable here now', 1, true) then
        reason = message
      end
    end
    if reason then
      break
    end
    vim.wait(200, function()
      return false
    end)
  end
  check(reason, 'the edited .switchboard.toml did not disable the actions; they are: ' .. vim.inspect(last) ..
    '; messages: ' .. vim.inspect(messages))
  check(reason:find('per_request_usd', 1, true), 'the reason does not say what to raise: ' .. reason)
  step('after editing .switchboard.toml: ' .. reason)

  -- 7. :checkhealth switchboard and :help switchboard.
  vim.cmd('checkhealth switchboard')
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  check(report:find('switchboard %d+%.%d+%.%d+') and report:find('Neovim %d+%.%d+%.%d+'),
    'checkhealth does not show the versions:\n' .. report)
  check(not report:find('ERROR'), 'checkhealth reports an error:\n' .. report)
  step('checkhealth switchboard: ' .. report:match('(switchboard %d+%.%d+%.%d+)'))
  local help = vim.env.SB_HELP_DIR
  if help then
    vim.fn.mkdir(help .. '/doc', 'p')
    vim.fn.writefile(vim.fn.readfile(plugin .. '/doc/switchboard.txt'), help .. '/doc/switchboard.txt')
    vim.cmd('helptags ' .. vim.fn.fnameescape(help .. '/doc'))
    vim.opt.runtimepath:append(help)
    for _, tag in ipairs({ 'switchboard', ':SwitchboardImplement', 'switchboard-setup', 'switchboard-quickfix' }) do
      vim.cmd('help ' .. tag)
      check(vim.fn.expand('%:t') == 'switchboard.txt', ':help ' .. tag .. ' opened ' .. vim.fn.expand('%:t'))
      vim.cmd('helpclose')
    end
    step(':help switchboard works')
  end
end

local ok, problem = xpcall(main, debug.traceback)
if ok then
  out('  PASS')
  vim.cmd('qall!')
else
  out('  FAIL: ' .. tostring(problem))
  if #messages > 0 then
    out('  messages:\n    ' .. table.concat(messages, '\n    '))
  end
  vim.cmd('cquit 1')
end
