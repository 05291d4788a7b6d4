; Rust complexity: decision points, loops and functions (server/syntax/src/complexity.rs).
; `else if` is an if_expression inside an else_clause, so it counts once more, as it should.

(if_expression) @branch
(match_arm) @branch
(for_expression) @loop
(while_expression) @loop
(loop_expression) @loop
(function_item) @function
(closure_expression) @function
