" .virt files are virtc policies.
autocmd BufRead,BufNewFile *.virt setfiletype virt
