#!/usr/bin/env python3
"""What strelaysrv itself costs a relayed session on this machine, with no vouch/1 in it.

A minimal client (Python's ssl, i.e. the system OpenSSL, plus plain sockets) starts a local
strelaysrv with no pool, joins it as the "target", then for each round, as a dialer:
  1. opens a protocol-mode TLS connection with its own Ed25519 certificate  (relay TLS)
  2. sends ConnectRequest for the target; the relay answers with a SessionInvitation, and
     the target reads its own invitation on its joined connection                (ask)
  3. both join the session in session mode, and one byte goes each way           (joins)
Half the rounds open the TLS connection of step 1 beforehand, off the clock, as a dialer
with a connection made ahead would. The medians are a floor for the relayed figure of
`vouch-bench relay`: a relayed vouch/1 session costs at least steps 2 and 3 plus a direct one.

  python3 Docs/tools/relay-floor.py [ROUNDS] [ed25519|p256]
      (needs strelaysrv and openssl on PATH; the relay uses a key of that type instead of the
      P-384 key strelaysrv makes itself)
"""
import hashlib, os, re, socket, ssl, statistics, struct, subprocess, sys, tempfile, time

MAGIC = 0x9E79BC40
JOIN_RELAY, JOIN_SESSION, RESPONSE, CONNECT, INVITATION = 2, 3, 4, 5, 6


def message(kind, payload=b""):
    return struct.pack(">III", MAGIC, kind, len(payload)) + payload


def opaque(data):
    return struct.pack(">I", len(data)) + data + b"\0" * (-len(data) % 4)


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError("the relay closed the connection")
        data += chunk
    return data


def read_message(sock):
    magic, kind, length = struct.unpack(">III", read_exactly(sock, 12))
    assert magic == MAGIC
    return kind, read_exactly(sock, length)


def invitation_key(payload):
    (length,) = struct.unpack(">I", payload[:4])  # From
    offset = 4 + length + (-length % 4)
    (length,) = struct.unpack(">I", payload[offset:offset + 4])  # Key
    return payload[offset + 4:offset + 4 + length]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    relay_key = sys.argv[2] if len(sys.argv) > 2 else None
    work = tempfile.mkdtemp(prefix="relay-floor-")
    if relay_key:
        algorithm = {"ed25519": ["-algorithm", "ed25519"],
                     "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]}[relay_key]
        subprocess.run(["openssl", "genpkey", *algorithm, "-out", os.path.join(work, "key.pem")], check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-new", "-x509", "-key", os.path.join(work, "key.pem"), "-out", os.path.join(work, "cert.pem"),
                        "-subj", "/CN=strelaysrv", "-days", "2"], check=True, capture_output=True)
    contexts, digests = [], []
    for name in ("target", "dialer"):
        key, cert = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-new", "-x509", "-key", key, "-out", cert, "-subj", "/CN=" + name, "-days", "2"],
                       check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # a floor, not a client: no pin
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["bep-relay"])
        contexts.append(context)
        digests.append(hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(cert).read())).digest())
    target_context, dialer_context = contexts
    port = free_port()
    log = open(os.path.join(work, "relay.out"), "w")
    relay = subprocess.Popen(["strelaysrv", "-listen", f"127.0.0.1:{port}", "-pools", "", "-keys", work, "-status-srv", ""],
                             stdout=log, stderr=log)
    try:
        deadline = time.time() + 60
        while "URI: relay://" not in open(log.name).read():
            assert time.time() < deadline, "strelaysrv printed no URI"
            time.sleep(0.05)
        version = re.search(r"strelaysrv (v\S+)", open(log.name).read())

        def tcp():
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock

        target = target_context.wrap_socket(tcp())
        target.sendall(message(JOIN_RELAY))
        assert read_message(target)[1][:4] == b"\0\0\0\0", "the target could not join"

        figures = {False: ([], [], []), True: ([], [], [])}
        collisions = 0
        for round in range(rounds):
            ahead = round % 2 == 1
            spare = dialer_context.wrap_socket(tcp()) if ahead else None
            start = time.perf_counter()
            dialer = spare or dialer_context.wrap_socket(tcp())
            connected = time.perf_counter()
            dialer.sendall(message(CONNECT, opaque(digests[0])))
            kind, payload = read_message(dialer)
            assert kind == INVITATION, f"no invitation: {kind}"
            dialer.close()
            kind, target_payload = read_message(target)
            assert kind == INVITATION
            invited = time.perf_counter()
            # Each party joins with the key of its own invitation; the target (invited) joins
            # first, as a node does, the dialer right after.
            server = tcp()
            server.sendall(message(JOIN_SESSION, opaque(invitation_key(target_payload))))
            client = tcp()
            client.sendall(message(JOIN_SESSION, opaque(invitation_key(payload))))
            answers = read_message(server)[1][:4], read_message(client)[1][:4]
            if answers != (b"\0\0\0\0", b"\0\0\0\0"):
                collisions += 1  # the joins collided (Protocol/relay.md §4): not a session
                server.close(); client.close()
                continue
            client.sendall(b"x")
            assert read_exactly(server, 1) == b"x"
            server.sendall(b"y")
            assert read_exactly(client, 1) == b"y"
            done = time.perf_counter()
            server.close(); client.close()
            tls, ask, joins = figures[ahead]
            tls.append(connected - start); ask.append(invited - connected); joins.append(done - invited)

        print(f"strelaysrv {version.group(1) if version else '?'} on loopback ({relay_key or 'its own P-384'} key), {rounds} rounds, medians in ms "
              f"({collisions} rounds with colliding joins left out)")
        print(f"{'':34}{'relay TLS':>10}{'ask':>10}{'joins':>10}{'total':>10}")
        for ahead, label in ((False, "TLS connection made for the dial"), (True, "TLS connection made ahead")):
            medians = [statistics.median(values) * 1000 for values in figures[ahead]]
            print(f"{label:34}" + "".join(f"{m:10.3f}" for m in medians) + f"{sum(medians):10.3f}")
    finally:
        relay.terminate()
        relay.wait()


if __name__ == "__main__":
    main()
