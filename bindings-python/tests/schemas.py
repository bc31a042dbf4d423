"""Published provider schemas, read from the providers' own generated packages.

- Terraform: `@cdktf/provider-aws` (npm) is generated from the AWS provider's
  schema. For each resource its `index.js` lists every argument by its
  Terraform name with `isBlock` and `type`, nested blocks in their own
  `*ToHclTerraform` functions, computed attributes in the class's getters, and
  its `index.d.ts` marks required arguments (no `?`).
- Pulumi: the `pulumi-aws` Python SDK (PyPI) is generated from the Pulumi
  provider's schema: each resource module names its type token, its `*Args`
  class lists every input with its wire name (`@pulumi.getter(name=...)`) and
  required inputs have no default; nested inputs are `*Args` classes in
  `_inputs.py`; outputs are the resource class's getters.

Nothing here is a list written by hand: every name comes from those packages.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Set

# ---------------------------------------------------------------- Terraform

ENTRY = re.compile(r"(\w+): \{\s*value: (.*?),\s*isBlock: (true|false),\s*type: \"(\w+)\",\s*storageClassType: \"(\w+)\",?\s*\}", re.S)
STRUCT_FN = re.compile(r"(?<![.\w])([a-z]\w*)ToHclTerraform")
DOC_FIELD = re.compile(r"#(\w+) [^}]*\}[\s\S]*?\*/\s*readonly (\w+)(\?)?:")


@dataclass
class Block:
    """Arguments of a resource or nested block, by Terraform name."""

    attributes: Dict[str, str] = field(default_factory=dict)  # name -> type (simple, list, set, map, struct)
    blocks: Dict[str, "Block"] = field(default_factory=dict)
    objects: Dict[str, "Block"] = field(default_factory=dict)  # struct-typed attributes (not blocks)
    required: Set[str] = field(default_factory=set)
    computed: Set[str] = field(default_factory=set)
    # Computed attributes of the resource's nested blocks (their output references' getters).
    nested_computed: Set[str] = field(default_factory=set)


def _attrs_body(js: str, start: int, method: bool) -> str:
    """The `const attrs = {...}` of the function (or class method) starting at `start` (empty if it has none)."""
    stop = js.find("\n    }\n" if method else "\n}\n", start)
    stop = len(js) if stop < 0 else stop
    i = js.find("const attrs = {", start, stop)
    if i < 0:
        return ""
    j = min(x for x in (js.find("\n    };", i), js.find("\n        };", i), len(js)) if x >= 0)
    return js[i:j]


def _interface_fields(dts: str, name: str) -> Dict[str, bool]:
    """Terraform name -> required, for `export interface NAME`."""
    m = re.search(r"export interface " + re.escape(name) + r"\b[^{]*\{", dts)
    if not m:
        return {}
    end = dts.index("\n}", m.end())
    return {tf: not opt for tf, _, opt in DOC_FIELD.findall(dts[m.end() : end])}


def _parse_block(js: str, dts: str, start: int, interface: str, method: bool = False) -> Block:
    b = Block()
    required = _interface_fields(dts, interface)
    for name, value, is_block, kind, _storage in ENTRY.findall(_attrs_body(js, start, method)):
        nested = STRUCT_FN.search(value)
        if nested:
            fn = nested.group(1)
            fm = re.search(r"function " + re.escape(fn) + r"ToHclTerraform\(struct\) \{", js)
            inner = _parse_block(js, dts, fm.end(), fn[0].upper() + fn[1:]) if fm else Block()
            (b.blocks if is_block == "true" else b.objects)[name] = inner
        else:
            b.attributes[name] = kind
        if required.get(name):
            b.required.add(name)
    return b


@lru_cache(maxsize=None)
def terraform(modules: Path, type_name: str, data: bool = False) -> Optional[Block]:
    """The schema of a Terraform AWS resource (or data source) type, or None if there is no such type."""
    short = type_name.removeprefix("aws_").replace("_", "-")
    d = modules / "@cdktf" / "provider-aws" / "lib" / (f"data-aws-{short}" if data else short)
    if not (d / "index.js").is_file():
        return None
    js, dts = (d / "index.js").read_text(), (d / "index.d.ts").read_text()
    kind = "tfResourceType"  # data sources carry it too
    m = re.search(r"(\w+)\." + kind + r' = "' + re.escape(type_name) + '"', js)
    if not m:
        return None
    cls = m.group(1)
    start = js.index(f"class {cls} extends")
    body = _parse_block(js, dts, js.index("synthesizeHclAttributes()", start), cls + "Config", method=True)
    end = js.index(f"{cls}.{kind}", start)
    body.computed = set(re.findall(r"get\w*Attribute\('(\w+)'\)", js[start:end])) | set(re.findall(r"interpolationForAttribute\('(\w+)'\)", js[start:end]))
    body.nested_computed = set(re.findall(r"get\w*Attribute\('(\w+)'\)", js))
    return body


# ---------------------------------------------------------------- Pulumi

TOKEN = re.compile(r"super\((\w+), __self__\).__init__\(\s*'([^']+)'")
INVOKE = re.compile(r"invoke(?:_output)?\('([^']+)'")


@dataclass
class Args:
    """Inputs of a Pulumi resource or nested input type, by wire name."""

    inputs: Dict[str, str] = field(default_factory=dict)  # wire name -> type annotation
    required: Set[str] = field(default_factory=set)
    outputs: Set[str] = field(default_factory=set)


def _class_body(src: str, name: str) -> str:
    m = re.search(r"^class " + re.escape(name) + r"\b.*?:\n", src, re.M)
    if not m:
        return ""
    nxt = re.search(r"^(class |@pulumi\.input_type|@pulumi\.output_type|if not MYPY)", src[m.end() :], re.M)
    return src[m.end() : m.end() + nxt.start()] if nxt else src[m.end() :]


GETTER = re.compile(r"@pulumi\.getter(?:\(name=\"(\w+)\"\))?\s*\n(?:\s*@[^\n]*\n)*\s*def (\w+)\(self\) -> (.*?):\n")


def _getters(body: str) -> Dict[str, str]:
    out = {}
    for wire, py, ann in GETTER.findall(body):
        out[wire or py] = ann
    return out


def _args(src: str, cls: str) -> Args:
    body = _class_body(src, cls)
    a = Args(inputs=_getters(body))
    init = re.search(r"def __init__\(__self__, \*,(.*?)\):\n", body, re.S)
    if init:
        names = {py: wire for wire, py, _ in GETTER.findall(body)}
        for line in init.group(1).split("\n"):
            m = re.match(r"\s*(\w+):", line)
            if m and "= None" not in line:
                a.required.add(names.get(m.group(1)) or m.group(1))
    return a


class Pulumi:
    """Type tokens, inputs and outputs from the pulumi-aws wheel."""

    def __init__(self, wheel: Path):
        self.zip = zipfile.ZipFile(wheel)
        self.tokens: Dict[str, tuple] = {}  # short and full token -> (file, class)
        self.invokes: Dict[str, str] = {}  # short and full token -> file
        for name in self.zip.namelist():
            if not name.endswith(".py") or name.rsplit("/", 1)[-1].startswith("_"):
                continue
            src = self.zip.read(name).decode()
            for cls, token in TOKEN.findall(src):
                if token == "aws":  # the provider resource
                    token = "pulumi:providers:aws"
                self.tokens[token] = (name, cls)
                self.tokens[_short(token)] = (name, cls)
            for token in INVOKE.findall(src):
                self.invokes[token] = name
                self.invokes[_short(token)] = name
                if token.startswith("aws:index/"):
                    self.invokes["aws:" + token.rsplit(":", 1)[-1]] = name

    def source(self, name: str) -> str:
        return self.zip.read(name).decode()

    def resource(self, token: str) -> Optional[Args]:
        if token not in self.tokens:
            return None
        file, cls = self.tokens[token]
        src = self.source(file)
        args = _args(src, cls + "Args")
        args.outputs = set(_getters(_class_body(src, cls)))
        return args

    def nested(self, token: str, annotation: str) -> Optional[Args]:
        """The input type an annotation names (`pulumi.Input['FunctionEnvironmentArgs']`), from the module's `_inputs.py`."""
        m = re.search(r"'(\w+Args)'", annotation)
        if not m or token not in self.tokens:
            return None
        inputs = self.tokens[token][0].rsplit("/", 1)[0] + "/_inputs.py"
        if inputs not in self.zip.namelist():
            inputs = "pulumi_aws/_inputs.py"
        return _args(self.source(inputs), m.group(1))

    def invoke_result(self, token: str) -> Optional[Set[str]]:
        """Fields of an invoke's result, or None if there is no such function."""
        if token not in self.invokes:
            return None
        src = self.source(self.invokes[token])
        m = re.search(r"^class (\w+Result):", src, re.M)
        return set(_getters(_class_body(src, m.group(1)))) if m else set()


def _short(token: str) -> str:
    """`aws:lambda/function:Function` -> `aws:lambda:Function` (the form Pulumi YAML accepts)."""
    pkg, mod, name = token.split(":", 2) if token.count(":") >= 2 else (token, "", "")
    return f"{pkg}:{mod.split('/')[0]}:{name}" if mod else token
