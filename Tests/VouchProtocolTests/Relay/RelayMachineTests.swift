import Testing
@testable import VouchProtocol

@Suite("Relay client machines")
struct RelayMachineTests {
    static let success = RelayMessage.response(RelayResponse(code: RelayResponse.success, message: "success"))
    static let invitation = RelaySessionInvitation(from: Array(repeating: 1, count: 32), key: Array(repeating: 2, count: 32),
                                                   address: [], port: 22067, serverSocket: true)

    func joined(at now: Duration = .seconds(100)) -> RelayJoinMachine {
        var machine = RelayJoinMachine()
        _ = machine.start(now: now)
        _ = machine.connected(now: now)
        _ = machine.received(Self.success, now: now)
        return machine
    }

    @Test("start connects; TLS done sends the join; success joins and schedules the first ping")
    func joins() {
        var machine = RelayJoinMachine()
        #expect(machine.start(now: .seconds(1)) == [.connect, .wakeAt(.seconds(31))])
        #expect(machine.start(now: .seconds(1)) == [])
        #expect(machine.connected(now: .seconds(2)) == [.send(.joinRelayRequest), .wakeAt(.seconds(32))])
        #expect(machine.received(Self.success, now: .seconds(3)) == [.wakeAt(.seconds(33))])
        #expect(machine.isJoined)
        #expect(machine.failures == 0)
    }

    @Test("a joined session pings after 30 s of our silence and answers the relay's pings")
    func keepsAlive() {
        var machine = joined()
        #expect(machine.timerFired(now: .seconds(110)) == [.wakeAt(.seconds(130))])
        #expect(machine.timerFired(now: .seconds(130)) == [.send(.ping), .wakeAt(.seconds(160))])
        #expect(machine.received(.pong, now: .seconds(131)) == [])
        #expect(machine.received(.ping, now: .seconds(150)) == [.send(.pong)])
        #expect(machine.timerFired(now: .seconds(160)) == [.wakeAt(.seconds(180))])
    }

    @Test("a relay silent for 90 s is dead: closed, then retried after the backoff")
    func deadRelay() {
        var machine = joined()
        _ = machine.timerFired(now: .seconds(130))
        _ = machine.timerFired(now: .seconds(160))
        let actions = machine.timerFired(now: .seconds(190))
        #expect(actions.count == 1)
        guard case .close = actions.first else { Issue.record("expected a close: \(actions)"); return }
        #expect(machine.connectionFailed("closed", now: .seconds(190), jitter: 0.5) == [.wakeAt(.seconds(191))])
        #expect(machine.lastError?.contains("sent nothing") == true)
        #expect(machine.timerFired(now: .milliseconds(190_500)) == [])
        #expect(machine.timerFired(now: .seconds(191)) == [.connect, .wakeAt(.seconds(221))])
    }

    @Test("failures back off as the retry schedule says, and a join resets them")
    func backoff() {
        var machine = RelayJoinMachine()
        var now = Duration.zero
        var delays: [Duration] = []
        _ = machine.start(now: now)
        for _ in 0..<4 {
            guard case .wakeAt(let at) = machine.connectionFailed("connection refused", now: now, jitter: 0.5).first else { return }
            delays.append(at - now)
            now = at
            _ = machine.timerFired(now: now)
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(machine.failures == 4)
        #expect(machine.lastError == "connection refused")
        _ = machine.connected(now: now)
        _ = machine.received(Self.success, now: now)
        #expect(machine.failures == 0)
        #expect(machine.lastError == nil)
    }

    static let refusals: [(String, RelayMessage)] = [
        ("already connected", .response(RelayResponse(code: 2, message: "already connected"))),
        ("relay full", .relayFull),
        ("invitation before the join", .sessionInvitation(invitation)),
        ("a join request from the relay", .joinRelayRequest),
    ]

    @Test("while joining, anything but success closes with the reason", arguments: refusals)
    func refusedJoin(what: String, message: RelayMessage) {
        var machine = RelayJoinMachine()
        _ = machine.start(now: .zero)
        _ = machine.connected(now: .zero)
        let actions = machine.received(message, now: .seconds(1))
        guard case .close(let reason) = actions.first, actions.count == 1 else { Issue.record("\(what): \(actions)"); return }
        _ = machine.connectionFailed("eof", now: .seconds(1), jitter: 0)
        #expect(machine.lastError == reason, "the machine's reason wins over the I/O layer's")
        #expect(!machine.isJoined)
    }

    @Test("a relay that does not answer the join in time is given up on")
    func joinTimeout() {
        var machine = RelayJoinMachine()
        _ = machine.start(now: .zero)
        _ = machine.connected(now: .seconds(1))
        #expect(machine.timerFired(now: .seconds(30)) == [])
        guard case .close = machine.timerFired(now: .seconds(31)).first else { Issue.record("no close"); return }
    }

    static func invitation(from byte: UInt8) -> RelaySessionInvitation {
        RelaySessionInvitation(from: Array(repeating: byte, count: 32), key: Array(repeating: 2, count: 32),
                               address: [], port: 22067, serverSocket: true)
    }

    @Test("invitations on a joined session open sessions, at most 8 at once; garbage closes")
    func invitations() {
        var machine = joined()
        for i in 1...RelayJoinMachine.maximumPendingSessions {
            let invitation = Self.invitation(from: UInt8(i))
            #expect(machine.received(.sessionInvitation(invitation), now: .seconds(101)) == [.openSession(invitation, id: i)])
        }
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 100)), now: .seconds(101)) == [])
        machine.sessionOpened(id: 1, established: false)
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 100)), now: .seconds(101)) == [.openSession(Self.invitation(from: 100), id: 9)])
        guard case .close = machine.received(.connectRequest(device: []), now: .seconds(102)).first else { Issue.record("no close"); return }
    }

    @Test("a new invitation from the same dialer abandons its sessions still being opened, and frees their places")
    func invitationSupersedes() {
        var machine = joined()
        let a = Self.invitation(from: 1), b = Self.invitation(from: 2)
        #expect(machine.received(.sessionInvitation(a), now: .seconds(101)) == [.openSession(a, id: 1)])
        #expect(machine.received(.sessionInvitation(b), now: .seconds(101)) == [.openSession(b, id: 2)])
        #expect(machine.received(.sessionInvitation(a), now: .seconds(102)) == [.abandonSession(id: 1), .openSession(a, id: 3)])
        #expect(machine.pendingSessions == 2)
        // The abandoned one reports its end later: it changes nothing.
        machine.sessionOpened(id: 1, established: false)
        #expect(machine.pendingSessions == 2 && machine.openSessions == 0)
        machine.sessionOpened(id: 3, established: true)
        #expect(machine.pendingSessions == 1 && machine.openSessions == 1)
        // An established session is not abandoned: only those being opened.
        #expect(machine.received(.sessionInvitation(a), now: .seconds(103)) == [.openSession(a, id: 4)])
        // Full: the same dialer's new invitation still takes its old session's place.
        for i in 10..<(10 + RelayJoinMachine.maximumPendingSessions - 2) {
            _ = machine.received(.sessionInvitation(Self.invitation(from: UInt8(i))), now: .seconds(104))
        }
        #expect(machine.pendingSessions == RelayJoinMachine.maximumPendingSessions)
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 99)), now: .seconds(105)) == [])
        #expect(machine.received(.sessionInvitation(a), now: .seconds(105)) == [.abandonSession(id: 4), .openSession(a, id: 11)])
    }

    @Test("one relay carries at most its share of sessions, open and being opened; closed ones free their place")
    func sessionLimit() {
        var machine = RelayJoinMachine(maximumSessions: 3)
        _ = machine.start(now: .zero)
        _ = machine.connected(now: .zero)
        _ = machine.received(Self.success, now: .zero)
        for i in 1...3 {
            #expect(machine.received(.sessionInvitation(Self.invitation(from: UInt8(i))), now: .seconds(1)) == [.openSession(Self.invitation(from: UInt8(i)), id: i)])
        }
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 4)), now: .seconds(1)) == [], "three pending")
        machine.sessionOpened(id: 1, established: true)
        machine.sessionOpened(id: 2, established: true)
        machine.sessionOpened(id: 3, established: false)
        #expect(machine.openSessions == 2 && machine.pendingSessions == 0)
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 5)), now: .seconds(2)) == [.openSession(Self.invitation(from: 5), id: 4)])
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 6)), now: .seconds(2)) == [], "two open, one pending")
        machine.sessionClosed()
        #expect(machine.received(.sessionInvitation(Self.invitation(from: 7)), now: .seconds(3)) == [.openSession(Self.invitation(from: 7), id: 5)])
        #expect(RelayJoinMachine().maximumSessions == TransportLimits.default.maximumInboundSessions / 2)
    }

    @Test("the dialer's join delay starts small, doubles on each collision up to its cap, and shrinks back as sessions start")
    func joinDelay() {
        var delay = RelayJoinDelay()
        #expect(delay.current == RelayJoinDelay.minimum)
        delay.started()
        #expect(delay.current == RelayJoinDelay.minimum)
        delay.collided()
        #expect(delay.current == RelayJoinDelay.minimum * 2)
        delay.started()
        #expect(delay.current == RelayJoinDelay.minimum * 2 - RelayJoinDelay.minimum / 8)
        for _ in 0..<20 { delay.collided() }
        #expect(delay.current == RelayJoinDelay.maximum)
        for _ in 0..<200 { delay.started() }
        #expect(delay.current < RelayJoinDelay.minimum * 2)
        #expect(delay.current >= RelayJoinDelay.minimum)

        // The slowest answer: a slow one is remembered at once and forgotten gradually.
        #expect(delay.slowestAnswer == .zero)
        delay.answered(after: .milliseconds(400))
        delay.answered(after: .milliseconds(2))
        #expect(delay.slowestAnswer == .milliseconds(350))
        for _ in 0..<100 { delay.answered(after: .milliseconds(2)) }
        #expect(delay.slowestAnswer == .milliseconds(2))
    }

    @Test("stop closes an open session and nothing restarts it")
    func stops() {
        var machine = joined()
        #expect(machine.stop() == [.close(reason: "the node is stopping")])
        #expect(machine.connectionFailed("closed", now: .seconds(200), jitter: 0) == [])
        #expect(machine.timerFired(now: .seconds(1000)) == [])
        #expect(machine.start(now: .seconds(1000)) == [])
    }

    @Test("session mode: join with the key, success hands the rest of the bytes to TLS")
    func sessionMode() throws {
        var machine = RelaySessionMachine(invitation: Self.invitation)
        #expect(machine.connected(now: .zero) == [.send(.joinSessionRequest(key: Self.invitation.key)), .wakeAt(.seconds(10))])
        let bytes = try Self.success.encoded()
        #expect(machine.received(Array(bytes.prefix(5)), now: .zero) == [])
        #expect(machine.received(Array(bytes.dropFirst(5)) + [0x16, 0x03], now: .zero) == [.startTLS(remainder: [0x16, 0x03])])
        #expect(machine.received([1, 2, 3], now: .zero) == [])
        #expect(machine.timerFired(now: .seconds(20)) == [])
    }

    @Test("a dialer's session waits for the other party: silence past the peer wait is a collision; a byte in time is not")
    func dialerWaitsForPeer() throws {
        let success = try Self.success.encoded()
        let retry = RelayDialRetry(now: .zero, budget: .seconds(10))
        var silent = RelaySessionMachine(invitation: Self.invitation, dialer: retry)
        _ = silent.connected(now: .seconds(1))
        // The join took 10 ms: the wait is 8 round trips, above the 50 ms floor.
        let joined = Duration.seconds(1) + .milliseconds(10)
        #expect(silent.received(Array(success), now: joined) == [.startTLS(remainder: []), .wakeAt(joined + .milliseconds(80))])
        #expect(silent.phase == .awaitingPeer(until: joined + .milliseconds(80)))
        #expect(silent.timerFired(now: joined + .milliseconds(79)) == [])
        #expect(silent.timerFired(now: joined + .milliseconds(80)) == [.close(reason: "the other party did not join the relay session")])
        #expect(silent.sessionCollided)
        #expect(silent.refusalCode == nil)

        var answered = RelaySessionMachine(invitation: Self.invitation, dialer: retry)
        _ = answered.connected(now: .zero)
        #expect(answered.received(Array(success), now: .microseconds(100)) == [.startTLS(remainder: []), .wakeAt(.microseconds(100) + .milliseconds(50))])
        #expect(answered.peerSpoke(now: .milliseconds(3)) == .milliseconds(3) - .microseconds(100))
        #expect(answered.phase == .relaying)
        #expect(answered.peerSpoke(now: .milliseconds(4)) == nil, "only the first bytes are the answer")
        #expect(answered.timerFired(now: .seconds(5)) == [])
        #expect(!answered.sessionCollided)

        // The invited node's machine waits for nothing after its join.
        var invited = RelaySessionMachine(invitation: Self.invitation)
        _ = invited.connected(now: .zero)
        #expect(invited.received(Array(success), now: .milliseconds(1)) == [.startTLS(remainder: [])])
        #expect(invited.phase == .relaying)
    }

    @Test("a join refused with code 2 is a collision; other refusals are not")
    func refusedJoinIsCollision() throws {
        var collided = RelaySessionMachine(invitation: Self.invitation, dialer: RelayDialRetry(now: .zero, budget: .seconds(10)))
        _ = collided.connected(now: .zero)
        _ = collided.received(try RelayMessage.response(RelayResponse(code: 2, message: "already connected")).encoded(), now: .zero)
        #expect(collided.sessionCollided)
        #expect(collided.phase == .closed)
        var notFound = RelaySessionMachine(invitation: Self.invitation, dialer: RelayDialRetry(now: .zero, budget: .seconds(10)))
        _ = notFound.connected(now: .zero)
        _ = notFound.received(try RelayMessage.response(RelayResponse(code: 1, message: "not found")).encoded(), now: .zero)
        #expect(!notFound.sessionCollided)
    }

    @Test("dial retry: at once, then 1, 2, 4 … ms; the peer wait doubles each attempt; bounded by attempts and budget")
    func dialRetry() {
        var retry = RelayDialRetry(now: .zero, budget: .seconds(10))
        #expect(retry.attempt == 1)
        #expect(retry.peerWait(roundTrip: .milliseconds(1), now: .zero) == .milliseconds(50))
        #expect(retry.peerWait(roundTrip: .milliseconds(20), now: .zero) == .milliseconds(160))
        var backoffs: [Duration] = []
        while case .retry(let after) = retry.failed(now: .zero) { backoffs.append(after) }
        #expect(backoffs == [.zero, .milliseconds(1), .milliseconds(2), .milliseconds(4), .milliseconds(8), .milliseconds(16), .milliseconds(32)])
        #expect(retry.attempt == RelayDialRetry.maximumAttempts)
        #expect(retry.failed(now: .zero) == .giveUp)
        // Attempt 8: the floor is 50 ms × 128, and the wait never outlasts the budget.
        #expect(retry.peerWait(roundTrip: .milliseconds(1), now: .zero) == .milliseconds(6400))
        #expect(retry.peerWait(roundTrip: .milliseconds(1), now: .seconds(9)) == .seconds(1))
        #expect(retry.peerWait(roundTrip: .milliseconds(1), now: .seconds(11)) == .zero)

        // A relay whose invited nodes answered in up to 300 ms lately: the first wait covers it twice.
        let far = RelayDialRetry(now: .zero, budget: .seconds(10), slowestAnswer: .milliseconds(300))
        #expect(far.peerWait(roundTrip: .milliseconds(1), now: .zero) == .milliseconds(600))

        var late = RelayDialRetry(now: .zero, budget: .seconds(10))
        #expect(late.failed(now: .seconds(9)) == .retry(after: .zero))
        #expect(late.failed(now: .milliseconds(9999)) == .giveUp, "a backoff that would end past the budget gives up")
        #expect(late.attempt == 2)
    }

    @Test("session mode: a refusal, garbage or silence closes")
    func sessionModeRefusals() throws {
        var refused = RelaySessionMachine(invitation: Self.invitation)
        _ = refused.connected(now: .zero)
        guard case .close = refused.received(try RelayMessage.response(RelayResponse(code: 1, message: "not found")).encoded(), now: .zero).first else {
            Issue.record("no close"); return
        }
        var garbage = RelaySessionMachine(invitation: Self.invitation)
        _ = garbage.connected(now: .zero)
        guard case .close(let reason) = garbage.received(Array("HTTP/1.1 200 OK\r\n".utf8), now: .zero).first else { Issue.record("no close"); return }
        #expect(reason.contains("garbage"))
        var silent = RelaySessionMachine(invitation: Self.invitation)
        _ = silent.connected(now: .zero)
        guard case .close = silent.timerFired(now: .seconds(10)).first else { Issue.record("no close"); return }
    }

    @Test("a dialer asks for the device and takes only an invitation from that device")
    func connectRequest() throws {
        let device = try RelayDeviceID(bytes: Self.invitation.from)
        var machine = RelayConnectMachine(device: device)
        #expect(machine.connected(now: .zero) == [.send(.connectRequest(device: device.bytes)), .wakeAt(.seconds(10))])
        #expect(machine.received(.sessionInvitation(Self.invitation)) == [.openSession(Self.invitation)])
        #expect(machine.received(.sessionInvitation(Self.invitation)) == [])

        var spliced = RelayConnectMachine(device: device)
        _ = spliced.connected(now: .zero)
        let other = RelaySessionInvitation(from: Array(repeating: 9, count: 32), key: [1], address: [], port: 1, serverSocket: false)
        guard case .fail = spliced.received(.sessionInvitation(other)).first else { Issue.record("accepted another device"); return }

        var absent = RelayConnectMachine(device: device)
        _ = absent.connected(now: .zero)
        #expect(absent.received(.response(RelayResponse(code: 1, message: "not found"))) == [.fail(reason: "the node is not at this relay now")])

        var silent = RelayConnectMachine(device: device)
        _ = silent.connected(now: .zero)
        #expect(silent.timerFired(now: .seconds(10)) == [.fail(reason: "the relay did not answer in time")])
        var dropped = RelayConnectMachine(device: device)
        _ = dropped.connected(now: .zero)
        #expect(dropped.connectionClosed() == [.fail(reason: "the relay closed the connection without an answer")])
    }
}
