; C++ outline: what C++ adds; grammars/c/outline.scm follows. A template's signature starts
; at `template <...>` (its pattern comes first and shares the name with the bare declaration).

(template_declaration
  (function_definition declarator: (function_declarator declarator: (_) @name) body: (_) @body)) @function
(template_declaration (class_specifier name: (_) @name body: (field_declaration_list) @body)) @class
(template_declaration (struct_specifier name: (_) @name body: (field_declaration_list) @body)) @struct

(function_definition
  declarator: (reference_declarator (function_declarator declarator: (_) @name))
  body: (_) @body) @function
(class_specifier name: (_) @name body: (field_declaration_list) @body) @class
(struct_specifier name: (_) @name body: (field_declaration_list) @body) @struct
(namespace_definition name: (_) @name body: (declaration_list) @body) @module
(field_declaration declarator: (function_declarator declarator: (_) @name)) @function
(declaration declarator: (function_declarator declarator: [(qualified_identifier) (destructor_name) (operator_name)] @name)) @function
(alias_declaration name: (type_identifier) @name) @type
