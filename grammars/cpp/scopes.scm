; C++ scopes: what C++ adds; grammars/c/scopes.scm follows. A member function defined inside
; its class is reported as a method by the Rust side; one defined outside (`void A::f()`) is a
; function named `A::f`, since a namespace qualifier looks just the same. A template is the
; scope with its `template <...>` line.

(template_declaration (function_definition declarator: (function_declarator declarator: (_) @name))) @function
(template_declaration (class_specifier name: (_) @name body: (field_declaration_list))) @class
(template_declaration (struct_specifier name: (_) @name body: (field_declaration_list))) @struct
(function_definition declarator: (reference_declarator (function_declarator declarator: (_) @name))) @function
(class_specifier name: (_) @name body: (field_declaration_list)) @class
(struct_specifier name: (_) @name body: (field_declaration_list)) @struct
