; C++ complexity: what C++ adds to C's.

(catch_clause) @branch
(for_range_loop) @loop
(lambda_expression) @function
