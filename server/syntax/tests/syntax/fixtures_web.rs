//! Fixtures for JavaScript, TypeScript and TSX: enclosing scope at `$0`, outline, imports, markers.

use expect_test::expect;

use crate::support::check;

#[test]
fn javascript() {
    check(
        "javascript",
        r#"import fs from "node:fs";
import { join } from "node:path";
const lodash = require("lodash");
require("dotenv/config");

// TODO: split this file
export function readConfig(path) {
  return JSON.parse(fs.readFileSync(join(path, "config.json")));
}

export class Store extends Base {
  constructor(items) {
    super();
    this.items = items;
  }

  find(id) {
    /* AI: use a Map */
    return this.items.filter((item) => item.id === $0id)[0];
  }

  static *ids() {}
}

const double = (x) => x * 2;
let handler = function named() {};
function* counter() {}
"#,
        expect![[r#"
            scope: method find L17-20
            outline:
              function readConfig L7-9: export function readConfig(path)
              class Store L11-23: export class Store extends Base
                method constructor L12-15: constructor(items)
                method find L17-20: find(id)
                method ids L22: static *ids()
              function double L25: const double = (x) =>
              function handler L26: let handler = function named()
              function counter L27: function* counter()
            imports:
              L1 import fs from "node:fs";
              L2 import { join } from "node:path";
              L3 const lodash = require("lodash");
              L4 require("dotenv/config");
            markers:
              Todo L6: "split this file"
              Ai L18: "use a Map"
        "#]],
    );
}

#[test]
fn typescript() {
    check(
        "typescript",
        r#"import type { Config } from "./config";
import * as path from "path";
import legacy = require("legacy");

export interface Shape {
  area(): number;
  readonly name: string;
}

type Pair<T> = [T, T];

export enum Color {
  Red,
  Green,
}

export abstract class Base implements Shape {
  abstract area(): number;
  protected count: number = 0;

  get name(): string {
    // FIXME: localise
    return "base";
  }
}

namespace Util {
  export function clamp(x: number, lo: number, hi: number): number {
    return Math.min(Math.max(x, lo), $0hi);
  }
}

declare module "mod" {
  export function f(): void;
}

export const area = async (s: Shape): Promise<number> => s.area();
"#,
        expect![[r#"
            scope: function clamp L28-30
            outline:
              interface Shape L5-8: export interface Shape
                method area L6: area(): number
                field name L7: readonly name: string
              type Pair L10: type Pair<T> = [T, T];
              enum Color L12-15: export enum Color
                field Red L13: Red
                field Green L14: Green
              class Base L17-25: export abstract class Base implements Shape
                method area L18: abstract area(): number
                field count L19: protected count: number = 0
                method name L21-24: get name(): string
              module Util L27-31: namespace Util
                function clamp L28-30: export function clamp(x: number, lo: number, hi: number): number
              module "mod" L33-35: module "mod"
                function f L34: export function f(): void;
              function area L37: export const area = async (s: Shape): Promise<number> =>
            imports:
              L1 import type { Config } from "./config";
              L2 import * as path from "path";
              L3 import legacy = require("legacy");
            markers:
              Fixme L22: "localise"
        "#]],
    );
}

#[test]
fn tsx() {
    check(
        "typescriptreact",
        r#"import React, { useState } from "react";

interface Props {
  label: string;
}

export default function Counter({ label }: Props) {
  const [count, setCount] = useState(0);
  // AI: debounce the clicks
  const onClick = () => setCount(count + 1);
  return (
    <button onClick={onClick}>
      {/* TODO: i18n */}
      {label}: {$0count}
    </button>
  );
}
"#,
        expect![[r#"
            scope: function Counter L7-17
            outline:
              interface Props L3-5: interface Props
                field label L4: label: string
              function Counter L7-17: export default function Counter({ label }: Props)
                function onClick L10: const onClick = () =>
            imports:
              L1 import React, { useState } from "react";
            markers:
              Ai L9: "debounce the clicks"
              Todo L13: "i18n"
        "#]],
    );
}
