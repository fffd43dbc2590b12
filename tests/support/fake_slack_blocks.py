"""Block Kit validation for the fake Slack (contract §2.4 and §5).

``validate_blocks`` returns Slack-style problems as ``(message, json_pointer)`` pairs; the caller
formats them as ``"<message> [json-pointer:<pointer>]"``. Pointers are exact; the wording beyond
the three messages quoted in the contract is our own, so tests should assert on pointers only.

Deep checks: section, header, divider, context, actions, image, markdown, rich_text. Other
documented block types get a shallow check (an object with a known ``type``). This module does
not decide the error *code*; the caller maps "not a list of objects" to ``invalid_blocks_format``
(see ``blocks_format_ok``) and everything else to ``invalid_blocks``.
"""

from __future__ import annotations

from typing import Any

Problem = tuple[str, str]

MAX_BLOCKS = 50
MARKDOWN_TOTAL = 12_000
_SHALLOW_TYPES = {"file", "input", "video", "table", "call", "context_actions"}
_INTERACTIVE = {
    "button", "checkboxes", "datepicker", "datetimepicker", "external_select", "overflow",
    "multi_external_select", "multi_static_select", "multi_users_select", "radio_buttons",
    "multi_conversations_select", "multi_channels_select", "static_select", "users_select",
    "conversations_select", "channels_select", "timepicker", "workflow_button", "plain_text_input",
    "email_text_input", "url_text_input", "number_text_input", "rich_text_input", "file_input",
    "feedback_buttons", "icon_button",
}
_BUTTON_KEYS = {"type", "text", "action_id", "url", "value", "style", "confirm",
                "accessibility_label"}
_RICH_CONTAINERS = {"rich_text_section", "rich_text_preformatted", "rich_text_quote"}
_RICH_INLINE = {
    "text": "text", "link": "url", "emoji": "name", "user": "user_id", "usergroup": "usergroup_id",
    "channel": "channel_id", "broadcast": "range", "date": "timestamp", "color": "value",
}


def blocks_format_ok(blocks: object) -> bool:
    """True when ``blocks`` is a JSON array of objects (else Slack says invalid_blocks_format)."""
    return isinstance(blocks, list) and all(isinstance(b, dict) for b in blocks)


def blocks_text_length(node: object) -> int:
    """Characters of text in a block tree: every string under a ``text`` key, at any depth."""
    if isinstance(node, list):
        return sum(blocks_text_length(item) for item in node)
    if isinstance(node, dict):
        total = 0
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                total += len(value)
            else:
                total += blocks_text_length(value)
        return total
    return 0


def validate_blocks(blocks: list[dict[str, Any]], root: str = "/blocks") -> list[Problem]:
    """Every problem Slack would report for a list of block objects."""
    problems: list[Problem] = []
    if len(blocks) > MAX_BLOCKS:
        return [(f"no more than {MAX_BLOCKS} items allowed", root)]
    seen_ids: set[str] = set()
    markdown_total = 0
    for index, block in enumerate(blocks):
        ptr = f"{root}/{index}"
        problems += _check_block_id(block, ptr, seen_ids)
        kind = block.get("type")
        if kind == "markdown" and isinstance(block.get("text"), str):
            markdown_total += len(block["text"])
            if markdown_total > MARKDOWN_TOTAL:
                problems.append(("markdown blocks together exceed 12000 characters", f"{ptr}/text"))
        checker = _CHECKERS.get(kind) if isinstance(kind, str) else None
        if checker is not None:
            problems += checker(block, ptr)
        elif kind not in _SHALLOW_TYPES:
            problems.append((f"unsupported block type: {kind!r}", f"{ptr}/type"))
    return problems


def _check_block_id(block: dict[str, Any], ptr: str, seen: set[str]) -> list[Problem]:
    if "block_id" not in block:
        return []
    block_id = block["block_id"]
    if not isinstance(block_id, str):
        return [("must be a string", f"{ptr}/block_id")]
    if not 1 <= len(block_id) <= 255:
        return [("must be between 1 and 255 characters", f"{ptr}/block_id")]
    if block_id in seen:
        return [(f"duplicate block_id {block_id!r}", f"{ptr}/block_id")]
    seen.add(block_id)
    return []


def _extra_keys(obj: dict[str, Any], ptr: str, allowed: set[str]) -> list[Problem]:
    return [(f"invalid additional property: {key}", ptr) for key in obj if key not in allowed]


def _length(value: object, ptr: str, low: int, high: int) -> list[Problem]:
    if not isinstance(value, str):
        return [("must be a string", ptr)]
    if len(value) < low:
        return [(f"must be more than {low - 1} characters", ptr)]
    if len(value) > high:
        return [(f"must be less than {high + 1} characters", ptr)]
    return []


def _items(value: object, ptr: str, low: int, high: int) -> list[Problem]:
    if not isinstance(value, list):
        return [("must be an array", ptr)]
    if len(value) < low:
        return [(f"must contain at least {low} item(s)", ptr)]
    if len(value) > high:
        return [(f"no more than {high} items allowed", ptr)]
    return []


def _text_object(
    obj: object, ptr: str, limit: int = 3000, plain_only: bool = False
) -> list[Problem]:
    """A plain_text or mrkdwn object. Unions get Slack's umbrella message first."""
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict):
        return [("must be a text object", ptr)]
    found: list[Problem] = []
    kind = obj.get("type")
    if kind not in allowed:
        found.append((f"must be one of {list(allowed)}", f"{ptr}/type"))
    found += _length(obj.get("text"), f"{ptr}/text", 1, limit)
    if "emoji" in obj and (kind != "plain_text" or not isinstance(obj["emoji"], bool)):
        found.append(("emoji is only allowed on plain_text, as a boolean", f"{ptr}/emoji"))
    if "verbatim" in obj and (kind != "mrkdwn" or not isinstance(obj["verbatim"], bool)):
        found.append(("verbatim is only allowed on mrkdwn, as a boolean", f"{ptr}/verbatim"))
    found += _extra_keys(obj, ptr, {"type", "text", "emoji", "verbatim"})
    if found and not plain_only:
        found.insert(0, ("failed to match all allowed schemas", ptr))
    return found


def _http_url(value: object, ptr: str, limit: int = 3000) -> list[Problem]:
    found = _length(value, ptr, 1, limit)
    if not found and not str(value).lower().startswith(("http://", "https://")):
        found.append(("must be an http(s) URL", ptr))
    return found


def _image_source(obj: dict[str, Any], ptr: str) -> list[Problem]:
    if ("image_url" in obj) == ("slack_file" in obj):
        return [("must provide exactly one of image_url or slack_file", ptr)]
    if "image_url" in obj:
        return _http_url(obj["image_url"], f"{ptr}/image_url")
    if isinstance(obj["slack_file"], dict):
        return []
    return [("must be an object", f"{ptr}/slack_file")]


def _image_element(obj: dict[str, Any], ptr: str) -> list[Problem]:
    found = _image_source(obj, ptr)
    found += _length(obj.get("alt_text"), f"{ptr}/alt_text", 1, 2000)
    return found + _extra_keys(obj, ptr, {"type", "image_url", "slack_file", "alt_text"})


def _button(obj: dict[str, Any], ptr: str) -> list[Problem]:
    found = _text_object(obj.get("text"), f"{ptr}/text", limit=75, plain_only=True)
    if "action_id" in obj:
        found += _length(obj["action_id"], f"{ptr}/action_id", 1, 255)
    if "url" in obj:
        found += _length(obj["url"], f"{ptr}/url", 1, 3000)
    if "value" in obj:
        found += _length(obj["value"], f"{ptr}/value", 1, 2000)
    if "style" in obj and obj["style"] not in ("primary", "danger"):
        found.append(("must be one of [primary danger]", f"{ptr}/style"))
    if "accessibility_label" in obj:
        found += _length(obj["accessibility_label"], f"{ptr}/accessibility_label", 1, 75)
    return found + _extra_keys(obj, ptr, _BUTTON_KEYS)


def _element(obj: object, ptr: str, allow_image: bool) -> list[Problem]:
    """An interactive element (or an image element where Slack allows one)."""
    if not isinstance(obj, dict):
        return [("must be an object", ptr)]
    kind = obj.get("type")
    if kind == "image" and allow_image:
        return _image_element(obj, ptr)
    if kind == "button":
        return _button(obj, ptr)
    if kind not in _INTERACTIVE:
        return [(f"unsupported element type: {kind!r}", f"{ptr}/type")]
    if kind == "overflow":
        return _items(obj.get("options"), f"{ptr}/options", 1, 5)
    if kind in ("static_select", "multi_static_select") and "options" in obj:
        return _items(obj["options"], f"{ptr}/options", 1, 100)
    return []


def _section(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "text", "fields", "accessory", "expand"})
    if "text" not in block and "fields" not in block:
        found.append(("must provide either text or fields", ptr))
    if "text" in block:
        found += _text_object(block["text"], f"{ptr}/text")
    if "fields" in block:
        fields_problems = _items(block["fields"], f"{ptr}/fields", 1, 10)
        found += fields_problems
        if not fields_problems:
            for i, item in enumerate(block["fields"]):
                found += _text_object(item, f"{ptr}/fields/{i}", limit=2000)
    if "accessory" in block:
        found += _element(block["accessory"], f"{ptr}/accessory", allow_image=True)
    return found


def _header(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "text"})
    return found + _text_object(block.get("text"), f"{ptr}/text", limit=150, plain_only=True)


def _divider(block: dict[str, Any], ptr: str) -> list[Problem]:
    return _extra_keys(block, ptr, {"type", "block_id"})


def _context(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "elements"})
    elements = block.get("elements")
    listed = _items(elements, f"{ptr}/elements", 1, 10)
    if listed or not isinstance(elements, list):
        return found + listed
    for i, item in enumerate(elements):
        item_ptr = f"{ptr}/elements/{i}"
        if isinstance(item, dict) and item.get("type") == "image":
            found += _image_element(item, item_ptr)
        else:
            found += _text_object(item, item_ptr)
    return found


def _actions(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "elements"})
    elements = block.get("elements")
    listed = _items(elements, f"{ptr}/elements", 1, 25)
    if listed or not isinstance(elements, list):
        return found + listed
    action_ids: set[str] = set()
    for i, item in enumerate(elements):
        found += _element(item, f"{ptr}/elements/{i}", allow_image=False)
        action_id = item.get("action_id") if isinstance(item, dict) else None
        if isinstance(action_id, str):
            if action_id in action_ids:
                where = f"{ptr}/elements/{i}/action_id"
                found.append((f"duplicate action_id {action_id!r}", where))
            action_ids.add(action_id)
    return found


def _image_block(block: dict[str, Any], ptr: str) -> list[Problem]:
    allowed = {"type", "block_id", "image_url", "slack_file", "alt_text", "title"}
    found = _extra_keys(block, ptr, allowed) + _image_source(block, ptr)
    found += _length(block.get("alt_text"), f"{ptr}/alt_text", 1, 2000)
    if "title" in block:
        found += _text_object(block["title"], f"{ptr}/title", limit=2000, plain_only=True)
    return found


def _markdown(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "text"})
    return found + _length(block.get("text"), f"{ptr}/text", 1, MARKDOWN_TOTAL)


def _rich_inline(items: object, ptr: str) -> list[Problem]:
    if not isinstance(items, list):
        return [("must be an array", ptr)]
    found: list[Problem] = []
    for i, item in enumerate(items):
        item_ptr = f"{ptr}/{i}"
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(item, dict) or kind not in _RICH_INLINE:
            found.append((f"unsupported rich text element: {kind!r}", f"{item_ptr}/type"))
            continue
        required = _RICH_INLINE[str(kind)]
        if not isinstance(item.get(required), str | int) or item.get(required) == "":
            found.append((f"missing required field: {required}", f"{item_ptr}/{required}"))
        elif kind == "broadcast" and item[required] not in ("here", "channel", "everyone"):
            found.append(("must be one of [here channel everyone]", f"{item_ptr}/range"))
    return found


def _rich_text(block: dict[str, Any], ptr: str) -> list[Problem]:
    found = _extra_keys(block, ptr, {"type", "block_id", "elements"})
    elements = block.get("elements")
    if not isinstance(elements, list):
        return [*found, ("must be an array", f"{ptr}/elements")]
    for i, item in enumerate(elements):
        item_ptr = f"{ptr}/elements/{i}"
        kind = item.get("type") if isinstance(item, dict) else None
        if isinstance(item, dict) and kind in _RICH_CONTAINERS:
            found += _rich_inline(item.get("elements"), f"{item_ptr}/elements")
        elif isinstance(item, dict) and kind == "rich_text_list":
            if item.get("style") not in ("bullet", "ordered"):
                found.append(("must be one of [bullet ordered]", f"{item_ptr}/style"))
            sections = item.get("elements")
            if not isinstance(sections, list):
                found.append(("must be an array", f"{item_ptr}/elements"))
                continue
            for j, section in enumerate(sections):
                sub = f"{item_ptr}/elements/{j}"
                if not isinstance(section, dict) or section.get("type") != "rich_text_section":
                    found.append(("must be a rich_text_section", f"{sub}/type"))
                else:
                    found += _rich_inline(section.get("elements"), f"{sub}/elements")
        else:
            found.append((f"unsupported rich text element: {kind!r}", f"{item_ptr}/type"))
    return found


_CHECKERS = {
    "section": _section,
    "header": _header,
    "divider": _divider,
    "context": _context,
    "actions": _actions,
    "image": _image_block,
    "markdown": _markdown,
    "rich_text": _rich_text,
}
