; TypeScript locals: a parameter's pattern (its type annotation binds nothing); the rest is
; JavaScript's.

(required_parameter pattern: (_) @local)
(optional_parameter pattern: (_) @local)
