; Python scopes. A decorated definition is the scope, decorators included (its pattern comes
; first, and the bare definition inside it shares the name, so it is not reported twice).
; A function directly inside a class is reported as a method by the Rust side.

(decorated_definition definition: (function_definition name: (identifier) @name)) @function
(decorated_definition definition: (class_definition name: (identifier) @name)) @class
(function_definition name: (identifier) @name) @function
(class_definition name: (identifier) @name) @class
