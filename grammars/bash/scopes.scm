; Bash scopes: functions, `f() { }` and `function f { }` alike.

(function_definition name: (word) @name) @function
