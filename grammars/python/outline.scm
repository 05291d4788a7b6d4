; Python outline: functions and classes with decorators; the signature ends at the body.

(decorated_definition definition: (function_definition name: (identifier) @name body: (block) @body)) @function
(decorated_definition definition: (class_definition name: (identifier) @name body: (block) @body)) @class
(function_definition name: (identifier) @name body: (block) @body) @function
(class_definition name: (identifier) @name body: (block) @body) @class
; Module-level names bound once (`DEFAULT_TIMEOUT = 30`, `log = logging.getLogger()`): a caller
; needs their value as much as a function's signature.
(module (expression_statement (assignment left: (identifier) @name)) @constant)
; Class-level names (`trust_env = True`, a dataclass's `port: int = 80`): fields, which a
; class's definition shows and `self.port` reads.
(class_definition body: (block (expression_statement (assignment left: (identifier) @name)) @field))
