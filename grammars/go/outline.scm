; Go outline. Each `type_spec` of a grouped `type ( ... )` is its own item, so signatures read
; `Point struct` without the `type` keyword. An interface keeps its first line, its methods
; follow as items of their own.

(function_declaration name: (identifier) @name body: (block)? @body) @function
(method_declaration name: (field_identifier) @name body: (block)? @body) @method
(type_spec name: (type_identifier) @name type: (struct_type (field_declaration_list) @body)) @struct
(type_spec name: (type_identifier) @name type: (interface_type)) @interface
(type_spec name: (type_identifier) @name) @type
(type_alias name: (type_identifier) @name) @type
(field_declaration name: (field_identifier) @name) @field
(method_elem name: (field_identifier) @name) @method
(source_file (const_declaration (const_spec name: (identifier) @name) @constant))
