; Lua scopes: named functions, `local function`, and functions assigned to a name
; (`local f = function() end`, `M.f = function() end`). `function M:f()` is a method.

(function_declaration name: (method_index_expression) @name) @method
(function_declaration name: (_) @name) @function
(variable_declaration
  (assignment_statement
    (variable_list name: (_) @name)
    (expression_list value: (function_definition)))) @function
(assignment_statement
  (variable_list name: (_) @name)
  (expression_list value: (function_definition))) @function
