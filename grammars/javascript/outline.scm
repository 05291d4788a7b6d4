; JavaScript outline (TypeScript and TSX inherit it). Exported declarations keep their
; `export` in the signature, as in scopes.scm. A function bound to a name is a function.

(export_statement declaration: (function_declaration name: (identifier) @name body: (statement_block) @body)) @function
(export_statement declaration: (generator_function_declaration name: (identifier) @name body: (statement_block) @body)) @function
(export_statement declaration: (class_declaration name: (_) @name body: (class_body) @body)) @class
(export_statement
  declaration: (lexical_declaration
    (variable_declarator
      name: (identifier) @name
      value: [
        (arrow_function body: (_) @body)
        (function_expression body: (statement_block) @body)
        (generator_function body: (statement_block) @body)
      ]))) @function

(function_declaration name: (identifier) @name body: (statement_block) @body) @function
(generator_function_declaration name: (identifier) @name body: (statement_block) @body) @function
(class_declaration name: (_) @name body: (class_body) @body) @class
(method_definition name: (_) @name body: (statement_block) @body) @method
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [
      (arrow_function body: (_) @body)
      (function_expression body: (statement_block) @body)
      (generator_function body: (statement_block) @body)
    ])) @function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [
      (arrow_function body: (_) @body)
      (function_expression body: (statement_block) @body)
      (generator_function body: (statement_block) @body)
    ])) @function
