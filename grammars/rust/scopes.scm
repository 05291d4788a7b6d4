; Rust scopes: the items a position can be inside of (server/syntax/src/scope.rs).
; A function directly inside an impl or trait is reported as a method by the Rust side.
; Closures are not scopes: inside one, the named function around it is what a user means.

(function_item name: (identifier) @name) @function
(impl_item type: (_) @name) @impl
(trait_item name: (type_identifier) @name) @trait
(struct_item name: (type_identifier) @name) @struct
(union_item name: (type_identifier) @name) @struct
(enum_item name: (type_identifier) @name) @enum
(macro_definition name: (identifier) @name) @macro
