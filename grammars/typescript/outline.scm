; TypeScript / TSX outline: what TypeScript adds; grammars/javascript/outline.scm follows.

(export_statement declaration: (abstract_class_declaration name: (_) @name body: (class_body) @body)) @class
(export_statement declaration: (interface_declaration name: (_) @name body: (interface_body) @body)) @interface
(export_statement declaration: (enum_declaration name: (_) @name body: (enum_body) @body)) @enum
(export_statement declaration: (type_alias_declaration name: (_) @name)) @type
(export_statement declaration: (function_signature name: (_) @name)) @function

(abstract_class_declaration name: (_) @name body: (class_body) @body) @class
(interface_declaration name: (_) @name body: (interface_body) @body) @interface
(enum_declaration name: (_) @name body: (enum_body) @body) @enum
(type_alias_declaration name: (_) @name) @type
(function_signature name: (_) @name) @function
(internal_module name: (_) @name body: (statement_block) @body) @module
(module name: (_) @name body: (statement_block)? @body) @module
(method_signature name: (_) @name) @method
(abstract_method_signature name: (_) @name) @method
(public_field_definition name: (_) @name) @field
(property_signature name: (_) @name) @field
(enum_body name: (property_identifier) @name @field)
(enum_assignment name: (_) @name) @field
