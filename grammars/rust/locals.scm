; Rust locals: the patterns that bind names inside a function. Every identifier in a captured
; pattern is a local, except in its `type` fields (`Some(x)` binds `x`, not `Some`) and names
; starting with a capital (`None`, `MAX` in a pattern are variants and constants).

(parameter pattern: (_) @local)
(closure_parameters (_) @local)
(let_declaration pattern: (_) @local)
(let_condition pattern: (_) @local)
(for_expression pattern: (_) @local)
(match_pattern (_) @local)
