; Lua imports: `require` calls, as the whole `local x = require(...)` statement when bound to a
; name (the call inside is then not reported again).

(variable_declaration
  (assignment_statement
    (expression_list value: (function_call name: (identifier) @_require (#eq? @_require "require"))))) @import
(assignment_statement
  (expression_list value: (function_call name: (identifier) @_require (#eq? @_require "require")))) @import
(function_call name: (identifier) @_require (#eq? @_require "require")) @import
