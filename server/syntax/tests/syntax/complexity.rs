//! Complexity counts of a small function per language, over the `$0...$0` range.

use expect_test::{Expect, expect};

use crate::support::{parse, split_cursor};

fn check(language_id: &str, fixture: &str, expect: Expect) {
    let (text, range) = split_cursor(fixture);
    let (_, tree) = parse(language_id, &text);
    let counts = tree.complexity(range);
    expect.assert_eq(&format!(
        "branches {} loops {} functions {}",
        counts.branches, counts.loops, counts.functions
    ));
}

#[test]
fn rust_counts_else_if_match_arms_loops_and_closures() {
    check(
        "rust",
        r#"
$0fn f(xs: &[u32]) -> u32 {
    let add = |a: u32, b: u32| a + b;
    let mut total = 0;
    for x in xs {
        if *x > 10 {
            total = add(total, *x);
        } else if *x == 0 {
            continue;
        }
        while total > 100 {
            total /= 2;
        }
    }
    match total {
        0 => 1,
        1 | 2 => 2,
        _ => total,
    }
}$0
"#,
        expect![[r#"branches 5 loops 2 functions 1"#]],
    );
}

#[test]
fn a_selection_of_statements_counts_only_what_lies_inside() {
    check(
        "rust",
        r#"
fn f(xs: &[u32]) -> u32 {
    let mut total = 0;
$0    for x in xs {
        if *x > 10 {
            total += x;
        }
    }
$0    loop {}
}
"#,
        expect![[r#"branches 1 loops 1 functions 0"#]],
    );
}

#[test]
fn python_counts_elif_ternaries_comprehensions_and_lambdas() {
    check(
        "python",
        r#"
$0def f(xs):
    key = lambda x: -x
    if not xs:
        return None
    elif len(xs) == 1:
        return xs[0]
    try:
        return [x for x in sorted(xs, key=key) if x] if xs else []
    except ValueError:
        return None
$0
"#,
        expect![[r#"branches 4 loops 1 functions 1"#]],
    );
}

#[test]
fn typescript_counts_cases_ternaries_and_arrow_functions() {
    check(
        "typescript",
        r#"
$0function f(x: number): string {
  const g = (y: number) => y * 2;
  switch (x) {
    case 1:
      return "one";
    case 2:
      return "two";
    default:
      for (let i = 0; i < x; i++) {}
      return x > 10 ? "big" : "small";
  }
}$0
"#,
        expect![[r#"branches 4 loops 1 functions 1"#]],
    );
}

#[test]
fn go_counts_switch_cases_fors_and_function_literals() {
    check(
        "go",
        r#"
$0func f(xs []int) int {
	total := 0
	for _, x := range xs {
		switch {
		case x > 10:
			total += x
		default:
			defer func() {}()
		}
	}
	if total == 0 {
		return -1
	}
	return total
}$0
"#,
        expect![[r#"branches 3 loops 1 functions 1"#]],
    );
}

#[test]
fn c_and_java_and_lua_and_bash() {
    check(
        "c",
        "$0int f(int x) {\n    do { x--; } while (x > 0);\n    return x ? 1 : 0;\n}$0\n",
        expect![[r#"branches 1 loops 1 functions 0"#]],
    );
    check(
        "java",
        "class A {\n  $0int f(int x) {\n    Runnable r = () -> {};\n    for (int y : ys) { if (y > x) { return y; } }\n    try { g(); } catch (Exception e) {}\n    return 0;\n  }$0\n}\n",
        expect![[r#"branches 2 loops 1 functions 1"#]],
    );
    check(
        "lua",
        "$0local function f(t)\n  for k, v in pairs(t) do\n    if v then return k elseif k then return v end\n  end\n  return function() end\nend$0\n",
        expect![[r#"branches 2 loops 1 functions 1"#]],
    );
    check(
        "bash",
        "$0f() {\n  case $1 in\n    a) echo a ;;\n    *) while true; do break; done ;;\n  esac\n}$0\n",
        expect![[r#"branches 2 loops 1 functions 0"#]],
    );
}

#[test]
fn languages_without_complexity_count_nothing() {
    check(
        "json",
        "$0{\"a\": [1, 2]}$0",
        expect![[r#"branches 0 loops 0 functions 0"#]],
    );
}
