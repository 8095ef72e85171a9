"""Redis key names and the atomic publish script shared by the publisher and the gateway.

Per shop: `ps:{shop}:stream`, a capped stream (replay; each entry holds the notification
id `i` and its public JSON `n`); `ps:{shop}:live`, the pub/sub channel;
`ps:{shop}:settings` and `ps:{shop}:config`, the projected settings. `{shop}` is a hash
tag so a shop's keys share a cluster slot. A live message is
`<stream id> <notification id> <traceparent> <public JSON>` (`live_message`; the
traceparent is `-` when the publish was not traced), or a control message (`ctl …`).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "CLAIM_SCRIPT",
    "CONTROL_RETRACT",
    "CONTROL_UNINSTALLED",
    "PUBLISH_SCRIPT",
    "REPLAY_SCRIPT",
    "RETRACT_SCRIPT",
    "LiveMessage",
    "NO_TRACE",
    "channel",
    "config_key",
    "deliveries_key",
    "oauth_state_key",
    "projected_key",
    "seen_key",
    "settings_key",
    "shop_keys",
    "shop_of_channel",
    "live_message",
    "parse_live_message",
    "stream_key",
    "uninstalled_key",
    "webhook_seen_key",
    "widget_key_key",
]


def stream_key(shop: str) -> str:
    """The capped replay stream of a shop."""
    return f"ps:{{{shop}}}:stream"


def channel(shop: str) -> str:
    """The pub/sub channel live clients of a shop listen on."""
    return f"ps:{{{shop}}}:live"


def shop_of_channel(name: str) -> str:
    """The inverse of `channel`."""
    return name.removeprefix("ps:{").removesuffix("}:live")


def settings_key(shop: str) -> str:
    """The shop's current `ShopSettings` JSON (projected from the settings topic)."""
    return f"ps:{{{shop}}}:settings"


def config_key(shop: str) -> str:
    """The shop's public `WidgetConfig` JSON, served to storefronts."""
    return f"ps:{{{shop}}}:config"


def uninstalled_key(shop: str) -> str:
    """Set while the shop has uninstalled the app (or was redacted): nothing streams."""
    return f"ps:{{{shop}}}:uninstalled"


def widget_key_key(shop: str) -> str:
    """The shop's widget public key, which the app embed passes to the storefront routes."""
    return f"ps:{{{shop}}}:widget-key"


def deliveries_key(shop: str) -> str:
    """A hash: Shopify topic → when the last delivery of it was received (ISO 8601)."""
    return f"ps:{{{shop}}}:deliveries"


def shop_keys(shop: str) -> str:
    """A SCAN pattern matching every key of one shop (for shop/redact)."""
    return f"ps:{{{shop}}}:*"


def webhook_seen_key(shop: str, topic: str, delivery: str) -> str:
    """Marks a webhook (by event id, or order id) as handled, for deduplication."""
    return f"ps:{{{shop}}}:webhook:{topic}:{delivery}"


def projected_key(instance: str) -> str:
    """Present while Redis holds what one worker process projected (not a shop key)."""
    return f"ps:projected:{instance}"


def oauth_state_key(state: str) -> str:
    """Marks an OAuth state as used (single-use install callbacks); not a shop key."""
    return f"ps:oauth-state:{state}"


# Published on a shop's channel instead of a notification: close every live client.
CONTROL_UNINSTALLED = b"ctl uninstalled"
# Followed by a space and a notification id: live pages take that popup down.
CONTROL_RETRACT = b"ctl retract"


def seen_key(shop: str, notification_id: str) -> str:
    """Marks a notification as published, so a redelivery never publishes it twice."""
    return f"ps:{{{shop}}}:seen:{notification_id}"


class LiveMessage(NamedTuple):
    """A notification as published live (see `live_message`)."""

    stream_id: bytes
    notification_id: bytes
    traceparent: bytes
    payload: bytes


# In a live message, where the traceparent would be: the publish was not traced.
NO_TRACE = "-"


def live_message(
    stream_id: str, notification_id: str, payload: bytes, trace: str = NO_TRACE
) -> bytes:
    """A live message, as `PUBLISH_SCRIPT` publishes it (for tests and benches)."""
    return f"{stream_id} {notification_id} {trace} ".encode() + payload


def parse_live_message(data: bytes) -> LiveMessage | None:
    """The parts of a live notification message, or None for anything else."""
    parts = data.split(b" ", 3)
    return LiveMessage(*parts) if len(parts) == 4 and parts[3] else None


# KEYS: seen key, stream key. ARGV: public JSON, stream max length, channel, seen TTL (s),
# notification id, traceparent (or '-'). Returns the new stream id, or false when this
# notification was already published.
PUBLISH_SCRIPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then
  return false
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'i', ARGV[5], 'n', ARGV[1])
redis.call('PUBLISH', ARGV[3], id .. ' ' .. ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. ARGV[1])
return id
"""

# KEYS: stream key. ARGV: channel, then notification ids. Deletes their entries from the
# replay stream and tells live clients to take them down. Returns how many were deleted.
RETRACT_SCRIPT = """
local wanted = {}
for i = 2, #ARGV do
  wanted[ARGV[i]] = true
  redis.call('PUBLISH', ARGV[1], 'ctl retract ' .. ARGV[i])
end
local deleted = 0
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local fields = entry[2]
  for f = 1, #fields, 2 do
    if fields[f] == 'i' and wanted[fields[f + 1]] then
      deleted = deleted + redis.call('XDEL', KEYS[1], entry[1])
    end
  end
end
return deleted
"""

# KEYS: stream key. ARGV: notification id, public JSON, stream max length. Puts a
# notification the merchant showed again back into the replay stream (not live: it is
# not news), unless it is there already. Returns the stream id, or false.
REPLAY_SCRIPT = """
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local fields = entry[2]
  for f = 1, #fields, 2 do
    if fields[f] == 'i' and fields[f + 1] == ARGV[1] then
      return false
    end
  end
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'i', ARGV[1], 'n', ARGV[2])
"""

# KEYS: the dedupe keys of one delivery. ARGV: TTL (s). 1 when claimed now, 0 when any key
# was already there (a repeat delivery).
CLAIM_SCRIPT = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'EX', ARGV[1])
end
return 1
"""
