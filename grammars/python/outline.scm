; Python outline: functions and classes with decorators; the signature ends at the body.

(decorated_definition definition: (function_definition name: (identifier) @name body: (block) @body)) @function
(decorated_definition definition: (class_definition name: (identifier) @name body: (block) @body)) @class
(function_definition name: (identifier) @name body: (block) @body) @function
(class_definition name: (identifier) @name body: (block) @body) @class
