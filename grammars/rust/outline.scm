; Rust outline: declarations with their bodies marked @body, which the signature leaves out.
; An impl is named by its type (`impl Display for Point` is `Point`).

(function_item name: (identifier) @name body: (block) @body) @function
(function_signature_item name: (identifier) @name) @function
(impl_item type: (_) @name body: (declaration_list) @body) @impl
(trait_item name: (type_identifier) @name body: (declaration_list) @body) @trait
(struct_item name: (type_identifier) @name body: (field_declaration_list)? @body) @struct
(union_item name: (type_identifier) @name body: (field_declaration_list) @body) @struct
(enum_item name: (type_identifier) @name body: (enum_variant_list) @body) @enum
(mod_item name: (identifier) @name body: (declaration_list)? @body) @module
(field_declaration name: (field_identifier) @name) @field
(enum_variant name: (identifier) @name) @field
(const_item name: (identifier) @name) @constant
(static_item name: (identifier) @name) @constant
(type_item name: (type_identifier) @name) @type
(associated_type name: (type_identifier) @name) @type
(macro_definition name: (identifier) @name) @macro
