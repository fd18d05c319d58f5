#!/usr/bin/env python3
"""A foreign phone on an analog virtual line (docs/virtual-lines.md, "Analog loop").

Connects to SOCKET, waits for battery, goes off-hook, listens for 1 s and reports the
strongest of a few tone frequencies (Goertzel), then hangs up for 2 s and exits.
Prints one JSON object per line. Python 3.8+, standard library only.

Time is line time: one received packet is one millisecond, so the windows hold the same
audio however fast this process runs (analog-sim waits for our packets, so its pace
follows ours)."""
import json, math, socket, struct, sys, time

MAGIC, OFF_HOOK, RING, REVERSED, BATTERY = 0xA1, 1, 2, 4, 8

def packet(state, seq, samples):
    return struct.pack("<BBH8h", MAGIC, state, seq & 0xFFFF, *samples)

def parse(pkt):
    if len(pkt) != 20 or pkt[0] != MAGIC:
        return None                                    # not an analog packet: drop it
    magic, state, seq, *samples = struct.unpack("<BBH8h", pkt)
    return state, seq, samples

def goertzel(x, f, rate=8000.0):
    c, s1, s2 = 2 * math.cos(2 * math.pi * f / rate), 0.0, 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.setblocking(False)
seq, hook, heard, now = 0, 0, [], 0                   # now: packets received (ms)
phase, t_phase = "wait_battery", 0
for _ in range(20000):                                 # bounded: at most 20000 sends
    try:
        while True:
            p = parse(s.recv(64))
            if p is None:
                continue
            state, _, samples = p
            now += 1
            if phase == "wait_battery" and state & BATTERY:
                print(json.dumps({"event": "battery"}), flush=True)
                phase, t_phase, hook = "listen", now, OFF_HOOK
            elif phase == "listen" and now - t_phase > 100:
                heard.extend(samples)
    except BlockingIOError:
        pass
    if phase == "listen" and now - t_phase > 1100:
        e = {f: goertzel(heard, f) for f in (350, 425, 450, 480, 620, 1000)}
        print(json.dumps({"event": "heard", "strongest_hz": max(e, key=e.get),
                          "samples": len(heard)}), flush=True)
        phase, t_phase, hook = "hung_up", now, 0
    if phase == "hung_up" and now - t_phase > 2000:
        break
    s.send(packet(hook, seq, [0] * 8))                 # one packet per millisecond
    seq += 1
    time.sleep(0.001)
print(json.dumps({"event": "done"}), flush=True)
