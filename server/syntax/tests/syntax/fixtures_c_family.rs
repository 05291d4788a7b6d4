//! Fixtures for Rust, Go, C, C++ and Java: enclosing scope at `$0`, outline, imports, markers.

use expect_test::expect;

use crate::support::check;

#[test]
fn rust() {
    check(
        "rust",
        r#"//! Crate docs.
use std::collections::HashMap;
use std::io::{self, Read};
extern crate alloc;

/// A point.
/// TODO: make it generic
pub struct Point {
    pub x: f64,
    y: f64,
}

pub enum Shape {
    Circle(f64),
    Square { side: f64 },
}

pub trait Area {
    fn area(&self) -> f64;
    fn name(&self) -> &str {
        "shape"
    }
}

impl Area for Shape {
    fn area(&self) -> f64 {
        // AI: use a lookup table
        // for the common sizes
        let twice = |v: f64| v * 2.0;
        match self {
            Shape::Circle(r) => std::f64::consts::PI * r * $0r,
            Shape::Square { side } => twice(*side) / 2.0 * side,
        }
    }
}

pub fn distance<T>(a: &Point, b: &Point) -> f64
where
    T: Clone,
{
    /* FIXME(bob): overflow */
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

const ORIGIN: Point = Point { x: 0.0, y: 0.0 };
static COUNT: u32 = 0;
type Map = HashMap<String, Point>;
macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}
mod tests {
    fn helper() {}
}
"#,
        expect![[r#"
            scope: method area L26-34
            outline:
              struct Point L8-11: pub struct Point
                field x L9: pub x: f64
                field y L10: y: f64
              enum Shape L13-16: pub enum Shape
                field Circle L14: Circle(f64)
                field Square L15: Square { side: f64 }
                  field side L15: side: f64
              trait Area L18-23: pub trait Area
                method area L19: fn area(&self) -> f64;
                method name L20-22: fn name(&self) -> &str
              impl Shape L25-35: impl Area for Shape
                method area L26-34: fn area(&self) -> f64
              function distance L37-43: pub fn distance<T>(a: &Point, b: &Point) -> f64⏎where⏎    T: Clone,
              constant ORIGIN L45: const ORIGIN: Point = Point { x: 0.0, y: 0.0 };
              constant COUNT L46: static COUNT: u32 = 0;
              type Map L47: type Map = HashMap<String, Point>;
              macro square L48-52: macro_rules! square {
              module tests L53-55: mod tests
                function helper L54: fn helper()
            imports:
              L2 use std::collections::HashMap;
              L3 use std::io::{self, Read};
              L4 extern crate alloc;
            markers:
              Todo L7: "make it generic"
              Ai L27-28: "use a lookup table\nfor the common sizes"
              Fixme L41: "overflow"
        "#]],
    );
}

#[test]
fn go() {
    check(
        "go",
        r#"package geometry

import "fmt"

import (
	"math"
	str "strings"
)

// Point is a point.
// TODO: add Z
type Point struct {
	X, Y float64
}

type Shape interface {
	Area() float64
}

type Meters float64

const Origin = 0

func (p *Point) Dist(q Point) float64 {
	square := func(v float64) float64 {
		return v * $0v // FIXME: overflow
	}
	return math.Sqrt(square(p.X-q.X) + square(p.Y-q.Y))
}

func Describe[T any](s T) string {
	return fmt.Sprint(s) + str.Repeat("!", 1)
}
"#,
        expect![[r#"
            scope: method Dist L24-29
            outline:
              struct Point L12-14: Point struct
                field X L13: X, Y float64
                field Y L13: X, Y float64
              interface Shape L16-18: Shape interface {
                method Area L17: Area() float64
              type Meters L20: Meters float64
              constant Origin L22: Origin = 0
              method Dist L24-29: func (p *Point) Dist(q Point) float64
              function Describe L31-33: func Describe[T any](s T) string
            imports:
              L3 import "fmt"
              L5-8 import (⏎	"math"⏎	str "strings"⏎)
            markers:
              Todo L11: "add Z"
              Fixme L26: "overflow"
        "#]],
    );
}

#[test]
fn c() {
    check(
        "c",
        r#"#include <stdio.h>
#include "point.h"

#define MAX 10
#define SQUARE(x) ((x) * (x))

struct point {
    int x;
    int *y;
    char name[MAX];
};

typedef struct point point_t;

enum color { RED, GREEN };

int area(int w, int h);

/* TODO: check for overflow
   on large inputs */
static char **names(const struct point *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (p[i].x > $0MAX) {
            return NULL;
        }
    }
    return NULL;
}

int main(void) {
    // AI: print the area
    return 0;
}
"#,
        expect![[r#"
            scope: function names L21-29
            outline:
              macro MAX L4: #define MAX 10
              macro SQUARE L5: #define SQUARE(x) ((x) * (x))
              struct point L7-11: struct point
                field x L8: int x;
                field y L9: int *y;
                field name L10: char name[MAX];
              type point_t L13: typedef struct point point_t;
              enum color L15: enum color
                field RED L15: RED
                field GREEN L15: GREEN
              function area L17: int area(int w, int h);
              function names L21-29: static char **names(const struct point *p, int n)
              function main L31-34: int main(void)
            imports:
              L1 #include <stdio.h>
              L2 #include "point.h"
            markers:
              Todo L19-20: "check for overflow\non large inputs"
              Ai L32: "print the area"
        "#]],
    );
}

#[test]
fn cpp() {
    check(
        "cpp",
        r#"#include <vector>
#include "shape.hpp"
using std::vector;

namespace geo {

// FIXME: rule of five
template <typename T>
class Shape : public Base {
public:
    Shape();
    ~Shape() {}
    virtual double area() const = 0;
    T& scale(T factor) {
        auto twice = [](T v) { return v * 2; };
        return $0twice(factor);
    }
private:
    int sides;
};

struct Point { double x, y; };

}

double geo::Shape::perimeter() const { return 0.0; }

bool operator==(const Point& a, const Point& b) { return a.x == b.x; }
"#,
        expect![[r#"
            scope: method scale L14-17
            outline:
              module geo L5-24: namespace geo
                class Shape L8-20: template <typename T>⏎class Shape : public Base
                  method Shape L11: Shape();
                  method ~Shape L12: ~Shape()
                  method area L13: virtual double area() const = 0;
                  method scale L14-17: T& scale(T factor)
                  field sides L19: int sides;
                struct Point L22: struct Point
                  field x L22: double x, y;
                  field y L22: double x, y;
              function geo::Shape::perimeter L26: double geo::Shape::perimeter() const
              function operator== L28: bool operator==(const Point& a, const Point& b)
            imports:
              L1 #include <vector>
              L2 #include "shape.hpp"
              L3 using std::vector;
            markers:
              Fixme L7: "rule of five"
        "#]],
    );
}

#[test]
fn java() {
    check(
        "java",
        r#"package geo;

import java.util.List;
import static java.lang.Math.sqrt;

/**
 * A shape.
 * TODO: make it sealed
 */
public class Shape<T> extends Base implements Comparable<T> {
    private final int sides;
    public static final int MAX = 10;

    public Shape(int sides) {
        this.sides = sides;
    }

    @Override
    public int compareTo(T other) {
        Runnable r = () -> System.out.println($0other);
        return 0;
    }

    interface Visitor {
        void visit(Shape<?> shape);
    }

    enum Kind { ROUND, SQUARE }

    record Pair(int a, int b) {}
}
"#,
        expect![[r#"
            scope: method compareTo L18-22
            outline:
              class Shape L10-31: public class Shape<T> extends Base implements Comparable<T>
                field sides L11: private final int sides;
                field MAX L12: public static final int MAX = 10;
                method Shape L14-16: public Shape(int sides)
                method compareTo L18-22: @Override⏎    public int compareTo(T other)
                interface Visitor L24-26: interface Visitor
                  method visit L25: void visit(Shape<?> shape);
                enum Kind L28: enum Kind
                  field ROUND L28: ROUND
                  field SQUARE L28: SQUARE
                class Pair L30: record Pair(int a, int b)
            imports:
              L3 import java.util.List;
              L4 import static java.lang.Math.sqrt;
            markers:
              Todo L6-9: "make it sealed"
        "#]],
    );
}
