; Java complexity: decision points (each `case` / `default` label, of old-style groups and of
; arrow rules alike), loops and functions (methods, constructors, lambdas).

(if_statement) @branch
(switch_label) @branch
(ternary_expression) @branch
(catch_clause) @branch
(for_statement) @loop
(enhanced_for_statement) @loop
(while_statement) @loop
(do_statement) @loop
(method_declaration) @function
(constructor_declaration) @function
(lambda_expression) @function
