; Bash complexity: decision points (each `case` item), loops and functions.

(if_statement) @branch
(elif_clause) @branch
(case_item) @branch
(ternary_expression) @branch
(for_statement) @loop
(c_style_for_statement) @loop
(while_statement) @loop
(function_definition) @function
