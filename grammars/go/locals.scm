; Go locals: parameters, results, `:=` and `var` declarations, range variables.

(parameter_declaration name: (identifier) @local)
(variadic_parameter_declaration name: (identifier) @local)
(short_var_declaration left: (_) @local)
(var_spec name: (identifier) @local)
(range_clause left: (_) @local)
