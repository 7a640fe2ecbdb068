-- The virtc language server for Neovim: `require("virtc").setup()` starts `virtc lsp` for every
-- buffer of filetype `virt` (set by ftdetect/virt.vim) and attaches it. Works with Neovim 0.7
-- (vim.lsp.start_client) and later (vim.lsp.start, which reuses a running client).
local M = {}

local function root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(name, ":p:h")
  local git = vim.fn.finddir(".git", dir .. ";")
  if git ~= "" then
    return vim.fn.fnamemodify(git, ":p:h:h")
  end
  return dir
end

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "virtc", "lsp" }
  local clients = {}
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "virt",
    callback = function(args)
      local root = root_dir(args.buf)
      local config = {
        name = "virtc",
        cmd = cmd,
        root_dir = root,
        on_attach = opts.on_attach,
        capabilities = opts.capabilities,
      }
      if vim.lsp.start then
        vim.lsp.start(config, { bufnr = args.buf })
        return
      end
      -- Neovim 0.7: one client per root, attached by hand.
      local id = clients[root]
      if not id or vim.lsp.client_is_stopped(id) then
        id = vim.lsp.start_client(config)
        clients[root] = id
      end
      if id then
        vim.lsp.buf_attach_client(args.buf, id)
      end
    end,
  })
end

return M
