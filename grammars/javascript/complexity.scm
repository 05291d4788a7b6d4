; JavaScript / TypeScript complexity: decision points, loops and functions.

(if_statement) @branch
(switch_case) @branch
(switch_default) @branch
(ternary_expression) @branch
(catch_clause) @branch
(for_statement) @loop
(for_in_statement) @loop
(while_statement) @loop
(do_statement) @loop
(function_declaration) @function
(generator_function_declaration) @function
(function_expression) @function
(generator_function) @function
(arrow_function) @function
(method_definition) @function
