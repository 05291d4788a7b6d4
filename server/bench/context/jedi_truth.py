#!/usr/bin/env python3
"""Ground truth for the context benchmark (`context-bench`): for a sample of the functions and
methods of a Python package, the definitions each one uses, as jedi's go-to-definition finds
them.

    python jedi_truth.py ROOT [--max 150] [--min-lines 3] > truth.json

ROOT is a package's source directory (the one holding its `__init__.py`); it is the workspace
root of the packet's index, and paths in the output are relative to it. jedi resolves imports
from ROOT's parent, so `import pkg.mod` and `from .mod import x` both resolve.

For each selected function, every name used inside it (not a name it binds) is resolved with
`Script.goto(follow_imports=True)`. A target is kept when it lies in ROOT, outside the selected
function, and is a function, a class, a method, or a name assigned at module or class level.
Everything else is counted under `excluded` by category, so the choice can be seen:

- unresolved: jedi found nothing (often an attribute of a value of unknown type)
- parameter / local: a parameter or local of the selected function itself
- inside_selection: another name defined inside the selected function (a nested def, itself)
- module: the target is a module
- outside_root: builtins, the standard library, site-packages
- instance_attribute: `self.x = ...` in a method
- keyword_or_other_parameter: a parameter of another function (mostly a keyword argument's name)
- other_function_local: a local of some other function (closures)
- other_kind: in ROOT, but neither a function, a class nor an assigned name (jedi's `property`)
"""

import argparse
import collections
import json
import os
import sys

import jedi
import parso
from parso.utils import split_lines


def functions(module):
    """Module-level functions and methods of (possibly nested) classes, in file order."""
    out = []

    def visit(node, in_class):
        for child in node.children if hasattr(node, "children") else []:
            target = child
            if child.type == "decorated":
                target = child.children[-1]
            if target.type == "async_stmt":
                target = target.children[-1]
            if target.type == "funcdef":
                out.append((target, in_class))
            elif target.type == "classdef":
                visit(target.children[-1], True)
            elif child.type in ("suite", "simple_stmt", "if_stmt", "try_stmt"):
                # Definitions under `if TYPE_CHECKING:` or `try:` at module or class level.
                visit(child, in_class)

    visit(module, False)
    return out


def names_in(node):
    """Every Name leaf under `node`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "name":
            yield current
        elif hasattr(current, "children"):
            stack.extend(reversed(current.children))


def byte_offset(lines, line, column):
    """Byte offset of a 1-based line and a code-point column in `lines` (kept ends)."""
    before = sum(len(text.encode("utf-8")) for text in lines[: line - 1])
    return before + len(lines[line - 1][:column].encode("utf-8"))


def inside(path, root):
    path = os.path.realpath(path)
    return path == root or path.startswith(root + os.sep)


def classify(definition, root, func_range, func_path):
    """`(category, truth)`: truth is `(relative path, line, name)` when kept."""
    module_path = definition.module_path
    if definition.type == "module":
        return "module", None
    if module_path is None or definition.in_builtin_module() or not inside(str(module_path), root):
        return "outside_root", None
    if definition.line is None:
        return "unresolved", None
    same_file = os.path.realpath(str(module_path)) == func_path
    in_selection = same_file and func_range[0] <= definition.line <= func_range[1]
    if definition.type == "param":
        return ("parameter" if in_selection else "keyword_or_other_parameter"), None
    tree_name = getattr(definition._name, "tree_name", None)
    if tree_name is not None and tree_name.parent is not None and tree_name.parent.type == "trailer":
        return "instance_attribute", None
    if in_selection:
        if definition.type in ("function", "class"):
            return "inside_selection", None
        return "local", None
    if definition.type in ("statement", "instance"):
        scope = (
            tree_name.search_ancestor("funcdef", "classdef", "lambdef", "file_input")
            if tree_name is not None
            else None
        )
        if scope is None or scope.type not in ("file_input", "classdef"):
            return "other_function_local", None
    elif definition.type not in ("function", "class"):
        return "other_kind", None
    relative = os.path.relpath(os.path.realpath(str(module_path)), root).replace(os.sep, "/")
    return "kept", (relative, definition.line, definition.name)


def wrapped(definition, truth):
    """For a module-level rebinding `X = wrap(X)` (attrs' `Factory = _add_hash(Factory, ...)`),
    the class or function it wraps, as a decorator would: `(path, line, name)`, or None.
    jedi goes to the rebinding, which says nothing of `X`; the `class X` above it is what a
    reader wants, so it counts the same."""
    tree_name = getattr(definition._name, "tree_name", None)
    if tree_name is None or truth is None:
        return None
    statement = tree_name.parent
    if statement is None or statement.type != "expr_stmt" or statement.parent is None:
        return None
    if statement.parent.parent is None or statement.parent.parent.type != "file_input":
        return None
    value = statement.children[-1]
    if not any(leaf.value == tree_name.value for leaf in names_in(value)):
        return None
    module = tree_name.get_root_node()
    earlier = [
        node
        for node in list(module.iter_classdefs()) + list(module.iter_funcdefs())
        if node.name.value == tree_name.value and node.start_pos[0] < tree_name.line
    ]
    if not earlier:
        return None
    node = max(earlier, key=lambda node: node.start_pos[0])
    return (truth[0], node.name.line, truth[2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="the package's source directory")
    parser.add_argument("--max", type=int, default=150, help="selections at most")
    parser.add_argument("--min-lines", type=int, default=3, help="skip shorter functions")
    parser.add_argument("--library", help="the name reported (default: ROOT's name)")
    args = parser.parse_args()
    root = os.path.realpath(args.root)
    project = jedi.Project(os.path.dirname(root))

    candidates = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as handle:
                code = handle.read()
            module = parso.parse(code)
            for func, in_class in functions(module):
                first, last = func.start_pos[0], func.end_pos[0]
                if func.end_pos[1] == 0:
                    last -= 1
                if last - first + 1 >= args.min_lines:
                    candidates.append((path, func.name.value, first, last, in_class))
    if len(candidates) > args.max:
        step = len(candidates) / args.max
        candidates = [candidates[int(i * step)] for i in range(args.max)]

    excluded = collections.Counter()
    examples = collections.defaultdict(list)
    selections = []
    scripts = {}
    for path, name, first, last, in_class in candidates:
        if path not in scripts:
            with open(path, encoding="utf-8") as handle:
                code = handle.read()
            scripts = {path: (jedi.Script(code, path=path, project=project), code)}
        script, code = scripts[path]
        lines = split_lines(code, keepends=True)
        module = script._module_node
        func = next(
            f for f, _ in functions(module) if f.start_pos[0] == first and f.name.value == name
        )
        truth = {}
        also = {}
        seen = set()
        for leaf in names_in(func):
            if leaf is func.name or leaf.is_definition():
                continue
            try:
                found = script.goto(leaf.line, leaf.column, follow_imports=True)
            except Exception:  # jedi raises on some odd code; count it, go on
                found = []
            if not found:
                excluded["unresolved"] += 1
                continue
            # A name defined more than once (under `if`/`else`, `try`/`except`) may go to
            # several places: the first kept one is the truth, the others count the same.
            classified = [
                (definition, *classify(definition, root, (first, last), os.path.realpath(path)))
                for definition in found
            ]
            kept = sorted({k for _, _, k in classified if k is not None})
            kept += [
                place
                for place in (wrapped(definition, k) for definition, _, k in classified)
                if place is not None and place not in kept
            ]
            if not kept:
                definition, category, _ = classified[0]
                excluded[category] += 1
                if len(examples[category]) < 5:
                    examples[category].append(
                        f"{os.path.relpath(path, root)}:{leaf.line} {leaf.value} -> "
                        f"{definition.type} {definition.full_name or definition.name}"
                        f" line {definition.line}"
                    )
                continue
            excluded["kept"] += 1
            if not any(place in seen for place in kept):
                truth[kept[0]] = None
                also[kept[0]] = kept[1:]
            seen.update(kept)
        selections.append(
            {
                "file": os.path.relpath(path, root).replace(os.sep, "/"),
                "function": name,
                "method": in_class,
                "line": first,
                "end_line": last,
                "cursor_line": func.name.line,
                "cursor_column": func.name.column,
                "cursor_byte": byte_offset(lines, func.name.line, func.name.column),
                "truth": [
                    {
                        "path": p,
                        "line": line,
                        "name": n,
                        "also": [f"{q}:{other}" for (q, other, _) in also[(p, line, n)]],
                    }
                    for (p, line, n) in truth
                ],
            }
        )
        print(f"{len(selections)}/{len(candidates)} {path}:{first} {name}", file=sys.stderr)

    json.dump(
        {
            "library": args.library or os.path.basename(root),
            "root": root,
            "tool": f"jedi {jedi.__version__}",
            "uses": dict(sorted(excluded.items())),
            "examples": dict(sorted(examples.items())),
            "selections": selections,
        },
        sys.stdout,
        indent=1,
    )
    print()


if __name__ == "__main__":
    main()
