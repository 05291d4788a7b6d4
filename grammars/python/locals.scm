; Python locals: parameters, assignment and loop targets, `as` names and walrus names. A target
; that is an attribute or a subscript (`self.x = ...`, `d[k] = ...`) binds nothing local.

(parameters (identifier) @local)
(parameters (typed_parameter (identifier) @local))
(parameters (default_parameter name: (_) @local))
(parameters (typed_default_parameter name: (_) @local))
(parameters (list_splat_pattern (_) @local))
(parameters (dictionary_splat_pattern (_) @local))
(lambda_parameters (_) @local)
(assignment left: (_) @local)
(augmented_assignment left: (identifier) @local)
(for_statement left: (_) @local)
(for_in_clause left: (_) @local)
(as_pattern alias: (_) @local)
(named_expression name: (identifier) @local)
