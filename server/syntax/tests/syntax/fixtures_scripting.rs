//! Fixtures for Python, Lua and Bash: enclosing scope at `$0`, outline, imports, markers.

use expect_test::expect;

use crate::support::check;

#[test]
fn python() {
    check(
        "python",
        r#"from __future__ import annotations
import os, sys
from .models import (
    User,
    Group,
)

# TODO(ann): move to settings
# once they exist
TIMEOUT = 30


@dataclass
class Repo(Base):
    """A repository."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def name(self) -> str:
        def clean(s):
            # FIXME: unicode
            return s.strip($0)
        return clean(os.path.basename(self.path))


async def fetch(url,
                timeout=TIMEOUT):
    # AI: retry on 503
    pass
"#,
        expect![[r#"
            scope: function clean L22-24
            outline:
              constant TIMEOUT L10: TIMEOUT = 30
              class Repo L13-25: @dataclass⏎class Repo(Base):
                method __init__ L17-18: def __init__(self, path: str) -> None:
                method name L20-25: @property⏎    def name(self) -> str:
                  function clean L22-24: def clean(s):
              function fetch L28-31: async def fetch(url,⏎                timeout=TIMEOUT):
            imports:
              L1 from __future__ import annotations
              L2 import os, sys
              L3-6 from .models import (⏎    User,⏎    Group,⏎)
            markers:
              Todo L8-9: "move to settings\nonce they exist"
              Fixme L23: "unicode"
              Ai L30: "retry on 503"
        "#]],
    );
}

#[test]
fn lua() {
    check(
        "lua",
        r#"local json = require("json")
local util = require "util"
require("strict")

--[[ TODO: document
     the module ]]
local M = {}

local function helper(x)
  return x * 2
end

function M.encode(value)
  -- AI: handle cycles
  return json.encode(value)
end

function M:decode(text)
  local ok, value = pcall(function()
    return json.decode($0text)
  end)
  return ok and value or nil
end

M.version = function() return "1.0" end
local noop = function() end

return M
"#,
        expect![[r#"
            scope: method M:decode L18-23
            outline:
              function helper L9-11: local function helper(x)
              function M.encode L13-16: function M.encode(value)
              method M:decode L18-23: function M:decode(text)
              function M.version L25: M.version = function()
              function noop L26: local noop = function() end
            imports:
              L1 local json = require("json")
              L2 local util = require "util"
              L3 require("strict")
            markers:
              Todo L5-6: "document\nthe module"
              Ai L14: "handle cycles"
        "#]],
    );
}

#[test]
fn bash() {
    check(
        "shellscript",
        r#"#!/usr/bin/env bash
set -euo pipefail
source ./lib.sh
. "$HOME/.config/env"

# TODO: support --dry-run
usage() {
  echo "usage: $1 FILE"
}

function build {
  for f in "$@"; do
    # FIXME: quote properly
    cc -c $f$0
  done
}

build "$@"
"#,
        expect![[r#"
            scope: function build L11-16
            outline:
              function usage L7-9: usage()
              function build L11-16: function build
            imports:
              L3 source ./lib.sh
              L4 . "$HOME/.config/env"
            markers:
              Todo L6: "support --dry-run"
              Fixme L13: "quote properly"
        "#]],
    );
}
