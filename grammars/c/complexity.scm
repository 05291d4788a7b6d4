; C complexity (C++ inherits it): decision points (`case` and `default` are both
; case_statement), loops and functions.

(if_statement) @branch
(case_statement) @branch
(conditional_expression) @branch
(for_statement) @loop
(while_statement) @loop
(do_statement) @loop
(function_definition) @function
