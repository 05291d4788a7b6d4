; JavaScript / TypeScript imports: `import` statements (TypeScript's `import x = require()`
; is one too) and CommonJS `require` calls bound to a name or made for their side effects.

(import_statement) @import
(lexical_declaration
  (variable_declarator
    value: (call_expression function: (identifier) @_require (#eq? @_require "require")))) @import
(variable_declaration
  (variable_declarator
    value: (call_expression function: (identifier) @_require (#eq? @_require "require")))) @import
(expression_statement
  (call_expression function: (identifier) @_require (#eq? @_require "require"))) @import
