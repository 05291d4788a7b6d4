; Bash outline: functions.

(function_definition name: (word) @name body: (_) @body) @function
