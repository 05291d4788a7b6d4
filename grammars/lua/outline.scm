; Lua outline: the same functions as scopes.scm, with their bodies elided.

(function_declaration name: (method_index_expression) @name body: (block)? @body) @method
(function_declaration name: (_) @name body: (block)? @body) @function
(variable_declaration
  (assignment_statement
    (variable_list name: (_) @name)
    (expression_list value: (function_definition body: (block)? @body)))) @function
(assignment_statement
  (variable_list name: (_) @name)
  (expression_list value: (function_definition body: (block)? @body))) @function
