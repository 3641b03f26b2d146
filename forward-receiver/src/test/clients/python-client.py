"""Sends events with Debian's python3-fluent-logger (Message mode, EventTime, no ack)."""
import json
import sys

from fluent import sender

o = json.loads(sys.argv[1])
s = sender.FluentSender("py", host="127.0.0.1", port=o["port"], nanosecond_precision=True)
for i in range(o.get("count", 1)):
    if not s.emit_with_time("app", 1700000000 + i + 0.5, {"message": "python event %d" % i, "i": i}):
        print("failed " + repr(s.last_error))
        sys.exit(3)
s.close()
print("sent %d" % o.get("count", 1))
