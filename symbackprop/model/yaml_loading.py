"""YAML read safely and within bounds: PyYAML's safe loaders, with two things PyYAML allows refused.

* A key given twice in one mapping (PyYAML keeps the last one silently): a typo that must not pass.
* More values than a limit once aliases are expanded. A few hundred bytes of nested ``&a``/``*a``
  lists stand for billions of values ("billion laughs"); PyYAML shares the object, but anything that
  walks it (validation, an error message) would not finish. The node graph is measured, with each
  alias counted in full, before anything is constructed; a recursive alias is refused too.
"""

from __future__ import annotations

import yaml

from ..errors import SpecError


def _unique_mapping(base):
    def construct(loader, node):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base": merged keys may be overridden
                continue
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if key in seen:
                    raise SpecError(f"line {key_node.start_mark.line + 1}: {str(key)[:60]!r} is given twice; "
                                    f"each key may appear once")
                seen.add(key)
        return base(loader, node)
    return construct


# libyaml's parser where PyYAML was built with it (its wheels are): ten times faster on large files.
_SAFE, _BASE = (yaml.CSafeLoader, yaml.CBaseLoader) if yaml.__with_libyaml__ else (yaml.SafeLoader, yaml.BaseLoader)


class _SafeLoader(_SAFE):
    pass


class _TextLoader(_BASE):  # every scalar stays the text written ("0.3590")
    pass


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _unique_mapping(yaml.SafeLoader.construct_yaml_map))
_TextLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _unique_mapping(lambda loader, node: loader.construct_mapping(node)))


def load_yaml(text: str, numbers_as_text: bool, most_values: int):
    loader = (_TextLoader if numbers_as_text else _SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        values = expanded_size(node, most_values)
        if values > most_values:
            raise SpecError(f"more than {most_values:,} values (counting all that each alias *name repeats); "
                            f"a spec or answer sheet is far smaller")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def expanded_size(root, stop_above: int) -> int:
    """Values in the node graph with every alias expanded, counted without expanding anything: each
    node's size is computed once and reused wherever an alias repeats it. Stops early past the limit."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in _children(node)), stop_above + 1)
            continue
        if id(node) in sizes:
            continue
        if id(node) in on_path:
            raise SpecError("a recursive alias (a value that contains itself) cannot be a spec or answer")
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
