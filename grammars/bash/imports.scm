; Bash imports: `source file` and `. file`.

(command name: (command_name) @_command (#match? @_command "^(source|\\.)$")) @import
