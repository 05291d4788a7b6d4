; JavaScript locals: parameters, declarations, loop and catch bindings.

(formal_parameters (_) @local)
(arrow_function parameter: (identifier) @local)
(variable_declarator name: (_) @local)
(for_in_statement left: (_) @local)
(catch_clause parameter: (_) @local)
