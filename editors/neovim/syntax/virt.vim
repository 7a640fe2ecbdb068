" Syntax highlighting for virtc policies (.virt).
if exists("b:current_syntax")
  finish
endif

syntax keyword virtKeyword allow deny env config mount file preopen from host readonly include exclude stdin stdout stderr stdio args use import tcp udp dns http clocks random tmpfs
syntax keyword virtSubsystem clocks exit fs http random sockets all ignore contained
syntax match virtWord "\<\(allow\|deny\)\s\+\zs\w\+" contains=virtSubsystem,virtKeyword
syntax match virtPath "\<std::\w\+"
syntax region virtString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=virtEscape
syntax match virtEscape "\\\(["\\ntr0]\|u{\x\+}\)" contained
syntax match virtComment "//.*$" contains=@Spell
syntax region virtComment start="/\*" end="\*/" contains=@Spell
syntax match virtOperator "=\|::"
syntax match virtNumber "\<\d\+\>"
syntax keyword virtMode fixed resolution seed writable limit

highlight default link virtKeyword Keyword
highlight default link virtSubsystem Constant
highlight default link virtPath Include
highlight default link virtString String
highlight default link virtEscape SpecialChar
highlight default link virtComment Comment
highlight default link virtOperator Operator
highlight default link virtNumber Number
highlight default link virtMode Constant

let b:current_syntax = "virt"
