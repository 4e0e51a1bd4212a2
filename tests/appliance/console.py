#!/usr/bin/env python3
"""Runs one shell command on the appliance's serial console and prints its output.

usage: console.py SOCKET PASSWORD COMMAND [TIMEOUT]
Logs in as root when the console shows a login prompt; exits with the command's status.
"""
import re
import socket
import sys
import time

sock_path, password, command = sys.argv[1], sys.argv[2], sys.argv[3]
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120.0

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
s.settimeout(0.5)
buf = b""


def read_until(pattern: bytes, seconds: float) -> "re.Match[bytes] | None":
    global buf
    end = time.time() + seconds
    while time.time() < end:
        m = re.search(pattern, buf)
        if m:
            return m
        try:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("console closed")
            buf += chunk
        except socket.timeout:
            pass
    return re.search(pattern, buf)


def send(text: str) -> None:
    s.sendall(text.encode())


# Wake the console and find out whether a shell or a login prompt is there.
for attempt in range(6):
    buf = b""
    send("\r")
    m = read_until(rb"(login: ?$|[#$] ?$|Password: ?$)", 10)
    if m and m.group(0).startswith(b"login"):
        send("root\r")
        read_until(rb"Password: ?$", 15)
        buf = b""
        send(password + "\r")
        if read_until(rb"[#] ?$", 30):
            break
    elif m and m.group(0).startswith(b"Password"):
        send("\r")  # a stale password prompt: fail it and start over
        time.sleep(3)
    elif m:
        break
else:
    raise SystemExit("could not get a root shell on the console")

time.sleep(1)
read_until(rb"(?!x)x", 1)  # drain what an earlier command left behind
buf = b""
# The markers are split in the typed line so the echo of the command never matches.
send("stty -echo 2>/dev/null; printf '%s\\n' '__PB''BEGIN__'; " + command + "; echo \"__PB""RC=$?__\"\r")
m = read_until(rb"__PBRC=(\d+)__", timeout)
# What the command printed: after the begin marker, up to its status marker.
out = buf[: m.start()] if m else buf
out = out.rsplit(b"__PBBEGIN__", 1)[-1]
sys.stdout.write(out.decode(errors="replace").replace("\r", "").strip() + "\n")
if not m:
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for: {command}")
sys.exit(int(m.group(1)))
