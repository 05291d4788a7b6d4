; Python complexity: decision points, loops (comprehension clauses included) and functions.

(if_statement) @branch
(elif_clause) @branch
(conditional_expression) @branch
(case_clause) @branch
(except_clause) @branch
(for_statement) @loop
(while_statement) @loop
(for_in_clause) @loop
(function_definition) @function
(lambda) @function
