"""A Python command for tests/tests/python.rs, built by tests/python/build.sh.

Run with no arguments, it prints the environment's GREETING, the contents of /data/hello.txt,
and the reply of a TCP server at ADDR (127.0.0.1:PORT) to `ping`, one line each.
"""

# getaddrinfo (behind socket.create_connection) encodes the host name with the `idna` codec,
# which Python looks up by name at run time; componentize-py bundles only the modules the app
# imports, so without this import the lookup fails with "unknown encoding: idna".
import encodings.idna  # noqa: F401
import os
import socket

from componentize_py_types import Err
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print(f"greeting={os.environ.get('GREETING', 'unset')}")
        try:
            with open("/data/hello.txt") as f:
                print(f.read().rstrip("\n"))
        except OSError:
            print("no file")
        try:
            host, port = os.environ["ADDR"].rsplit(":", 1)
            with socket.create_connection((host, int(port))) as conn:
                conn.sendall(b"ping\n")
                reply = conn.makefile("rb").readline()
            print(reply.decode().rstrip("\n"))
        except Exception as e:  # reported on stdout: stderr may be closed by the policy
            print(f"error: {type(e).__name__}: {e}")
            raise Err(None)
