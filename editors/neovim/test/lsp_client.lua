-- Headless test of the virtc language server with Neovim's own LSP client (run by
-- compiler/cli/tests/lsp.rs and tests/run.sh): open a policy with a typo through the plugin of
-- editors/neovim, wait for its diagnostics, ask for a completion list, write what came back to
-- $VIRTC_TEST_OUT, and exit 0 only if both arrived.
local out = assert(io.open(os.getenv("VIRTC_TEST_OUT"), "w"))
local function finish(ok, message)
  out:write(message .. "\n")
  out:close()
  vim.cmd(ok and "qall!" or "cquit! 1")
end

local ok, err = pcall(function()
  vim.opt.runtimepath:prepend(os.getenv("VIRTC_NVIM_PLUGIN"))
  vim.cmd("filetype on")
  require("virtc").setup({ cmd = { os.getenv("VIRTC"), "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("VIRTC_TEST_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  out:write("filetype " .. vim.bo[bufnr].filetype .. "\n")

  local got = vim.wait(20000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  if not got then
    return finish(false, "no diagnostics arrived")
  end
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    out:write(string.format("diagnostic %s %d:%d %s\n", tostring(code), d.lnum, d.col,
      (d.message:gsub("\n.*", ""))))
  end

  -- The second line is `allow `: complete after it.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = 1, character = 6 },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/completion", params, 10000)
  local count = 0
  for _, response in pairs(responses or {}) do
    local items = response.result or {}
    if items.items then
      items = items.items
    end
    for _, item in ipairs(items) do
      out:write("completion " .. item.label .. "\n")
      count = count + 1
    end
  end
  if count == 0 then
    return finish(false, "no completion items")
  end
  finish(true, "ok")
end)
if not ok then
  finish(false, "error: " .. tostring(err))
end
