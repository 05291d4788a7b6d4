; TypeScript / TSX scopes: what TypeScript adds; grammars/javascript/scopes.scm follows.

(export_statement declaration: (abstract_class_declaration name: (_) @name)) @class
(export_statement declaration: (interface_declaration name: (_) @name)) @interface
(export_statement declaration: (enum_declaration name: (_) @name)) @enum

(abstract_class_declaration name: (_) @name) @class
(interface_declaration name: (_) @name) @interface
(enum_declaration name: (_) @name) @enum
