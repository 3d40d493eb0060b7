"""An SMTP server for tests: saves every message it accepts as <dir>/<n>.eml.

Optionally it refuses one recipient for good (550) or the first messages for now (451), is slow
to answer RCPT TO (--rcpt_delay: a client that gives up meanwhile has sent nothing) or DATA,
requires STARTTLS or speaks TLS from the start (--tls with --cert/--key), and
requires AUTH (--user/--password).

Each file starts with an X-Sink-Rcpt-To header listing the envelope recipients, then the
message exactly as received. On start it writes {"msg":"listening","port":N} to stderr, and {"msg":"rcpt","address":A} on each
RCPT TO.
Run with Debian's /usr/bin/python3 (python3-aiosmtpd).
"""
import argparse
import asyncio
import itertools
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Saver:
    def __init__(self, directory, delay, rcpt_delay, refuse_rcpt, tempfail_first):
        self.directory = directory
        self.delay = delay
        self.rcpt_delay = rcpt_delay
        self.refuse_rcpt = refuse_rcpt
        self.tempfail_left = tempfail_first
        self.counter = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        sys.stderr.write(json.dumps({"msg": "rcpt", "address": address}) + "\n")
        sys.stderr.flush()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address == self.refuse_rcpt:
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail_left > 0:
            self.tempfail_left -= 1
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        name = os.path.join(self.directory, "%d-%d.eml" % (os.getpid(), next(self.counter)))
        with open(name + ".partial", "wb") as out:
            out.write(b"X-Sink-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            out.write(envelope.original_content)
        os.rename(name + ".partial", name)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--rcpt_delay", type=float, default=0.0,
                        help="seconds before answering each RCPT TO")
    parser.add_argument("--refuse_rcpt", help="answer 550 to RCPT TO this address")
    parser.add_argument("--tempfail_first", type=int, default=0,
                        help="answer 451 to the first N messages")
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Saver(args.dir, args.delay, args.rcpt_delay, args.refuse_rcpt, args.tempfail_first)
    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    options = {"hostname": "sink.test"}
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == args.user and
                  auth_data.password.decode() == args.password)
            return AuthResult(success=ok)
        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=args.tls != "none")
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", args.port,
                           reuse_address=True,
                           ssl=context if args.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    sys.stderr.write(json.dumps({"msg": "listening", "port": port}) + "\n")
    sys.stderr.flush()
    loop.run_forever()


if __name__ == "__main__":
    main()
