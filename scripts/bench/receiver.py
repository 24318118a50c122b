"""Webhook receivers for the delivery benchmark: one asyncio process listening on several ports.

    python3 receiver.py PORT [PORT ...] [--hang PORT]

Every port answers each POST with 204 and counts it, except a --hang port, which reads the
request and never answers. `GET /stats` on any port returns {port: [count, first, last]} with
the times (seconds, monotonic) of the first and last delivery received.
"""

import asyncio
import json
import sys
import time

STATS = {}
HANGING = set()


class Receiver(asyncio.Protocol):
    def __init__(self, port):
        self.port = port
        self.buffer = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            self.buffer = self.buffer[end:]
            self.answer(head.split(" ", 2))

    def answer(self, request_line):
        if request_line[0] == "GET":
            body = json.dumps(STATS).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
            return
        stat = STATS[self.port]
        now = time.monotonic()
        stat[0] += 1
        stat[1] = stat[1] or now
        stat[2] = now
        if self.port not in HANGING:
            self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")


async def main(ports):
    loop = asyncio.get_running_loop()
    servers = []
    for port in ports:
        STATS[port] = [0, 0.0, 0.0]
        servers.append(await loop.create_server(lambda p=port: Receiver(p), "127.0.0.1", port))
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    args = sys.argv[1:]
    ports = []
    while args:
        arg = args.pop(0)
        if arg == "--hang":
            port = int(args.pop(0))
            HANGING.add(port)
            ports.append(port)
        else:
            ports.append(int(arg))
    asyncio.run(main(ports))
