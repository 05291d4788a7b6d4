; Go complexity: decision points (each case of a switch or select, default included), loops
; (Go has only `for`) and functions.

(if_statement) @branch
(expression_case) @branch
(type_case) @branch
(communication_case) @branch
(default_case) @branch
(for_statement) @loop
(function_declaration) @function
(method_declaration) @function
(func_literal) @function
