"""Sends events with Debian's python3-fluent-logger (Message mode, EventTime, no ack)."""
import json
import sys

from fluent import sender

o = json.loads(sys.argv[1])
s = sender.FluentSender("py", host="127.0.0.1", port=o["port"], nanosecond_precision=True)
# "big": {"index": i, "bytes": n} makes event i's message n bytes long (events over Kafka's 1 MiB default).
big = o.get("big", {})
for i in range(o.get("count", 1)):
    message = "python event %d" % i
    if big.get("index") == i:
        message = message + " " + "x" * (big["bytes"] - len(message) - 1)
    if not s.emit_with_time("app", 1700000000 + i + 0.5, {"message": message, "i": i}):
        print("failed " + repr(s.last_error))
        sys.exit(3)
s.close()
print("sent %d" % o.get("count", 1))
