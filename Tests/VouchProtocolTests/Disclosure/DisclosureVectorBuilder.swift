import Testing
import VouchCrypto
@testable import VouchProtocol

/// Protocol/vectors/disclosure.json (Protocol/disclosure.md): visibility statements valid and
/// refused, supersession, the rule, the answer selection, every message body valid and refused,
/// and the private set intersection from fixed keys and tokens. Every case names the outcome it is
/// meant to show and the builder checks the code gives exactly that.
extension VectorBuilder {
    typealias D = DisclosureFixtures

    static func disclosure() throws -> JSONVectorValue {
        var keys: [String: JSONVectorValue] = [:]
        for (name, seed) in [("a", FixedKeys.seed1), ("b", FixedKeys.seed2), ("stranger", FixedKeys.seed3)] {
            keys[name] = ["seed": hexValue(seed), "public_key": hexValue(FixedKeys.key(seed).publicKey.rawRepresentation)]
        }
        let connection = D.connection, other = D.otherConnection
        let levels = Visibility.allCases

        // MARK: statements

        let validCases: [(String, Ed25519PrivateKey, String, Visibility, UInt64)] = [
            ("a (the inviter) chooses mutual", D.aKey, "a", .mutual, D.set),
            ("b (the invitee) chooses only-us", D.bKey, "b", .onlyUs, D.set),
            ("a chooses everyone, set 0", D.aKey, "a", .everyone, 0),
            ("b chooses connections, set 2^53 − 1", D.bKey, "b", .connections, (1 << 53) - 1),
        ]
        let validStatements: [JSONVectorValue] = try validCases.map { what, key, signer, level, set in
            let made = try VisibilityStatement.make(connection: connection.id, level: level, set: set, with: key)
            return ["description": .string(what), "signer": .string(signer), "connection": hexValue(connection.id),
                    "level": .string(level.rawValue), "set": .number(set), "payload_hex": hexValue(made.envelope.payload),
                    "envelope_hex": hexValue(made.envelope.encoded), "record_hex": hexValue(connection.record.encoded),
                    "result": checked("ok", what) { try VisibilityStatement(verifying: made.envelope.encoded).check(against: connection) }]
        }
        func edited(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            var payload = D.goodPayload
            edit(&payload)
            return D.signed(payload)
        }
        let good = D.signed(D.goodPayload)
        let invalidCases: [(String, [UInt8], String)] = [
            ("signed by a third node, not a side of the connection", D.signed(D.goodPayload, key: D.strangerKey), "signer-mismatch"),
            ("names another connection of the same two", edited { $0["connection"] = .bytes(other.id) }, "invalid-value"),
            ("the level changed after signing", SignedEnvelope.splice(signatureOf: good, onto: edited { $0["level"] = .text("everyone") }),
             "bad-signature"),
            ("format 2", D.signed(D.goodPayload, format: 2), "unsupported-version"),
            ("the same payload signed as a vouch.connection-removal", D.signed(D.goodPayload, type: .connectionRemoval), "unexpected-document-type"),
            ("a level not in the list", edited { $0["level"] = .text("friends") }, "invalid-value"),
            ("a level in capitals", edited { $0["level"] = .text("Everyone") }, "invalid-value"),
            ("the level only_us (underscore)", edited { $0["level"] = .text("only_us") }, "invalid-value"),
            ("the level as a number", edited { $0["level"] = .unsigned(2) }, "wrong-type"),
            ("a connection id of 31 bytes", edited { $0["connection"] = .bytes(Array(connection.id.dropLast())) }, "invalid-value"),
            ("the connection record instead of its id", edited { $0["connection"] = .bytes(connection.record.encoded) }, "invalid-value"),
            ("the connection id as hex text", edited { $0["connection"] = .text(Hex.encode(connection.id)) }, "wrong-type"),
            ("set 2^53", edited { $0["set"] = .unsigned(1 << 53) }, "out-of-range"),
            ("set as text", edited { $0["set"] = .text("now") }, "wrong-type"),
            ("no set", edited { $0["set"] = nil }, "missing-field"),
            ("no level", edited { $0["level"] = nil }, "missing-field"),
            ("no connection", edited { $0["connection"] = nil }, "missing-field"),
            ("the mutual token signed into it", edited { $0["token"] = .bytes(D.filled(7)) }, "unknown-field"),
        ]
        let invalidStatements: [JSONVectorValue] = invalidCases.map { what, bytes, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes), "record_hex": hexValue(connection.record.encoded),
             "error": checked(code, what) { try VisibilityStatement(verifying: bytes).check(against: connection) }]
        }

        // MARK: supersession

        let supersessionCases: [(Visibility, UInt64, Visibility, UInt64)] = [
            (.everyone, 100, .onlyUs, 101), (.onlyUs, 100, .everyone, 101), (.mutual, 101, .everyone, 100),
            (.connections, 100, .connections, 100), (.connections, 100, .mutual, 100), (.mutual, 100, .connections, 100),
        ]
        var supersession: [JSONVectorValue] = supersessionCases.map { held, heldSet, incoming, incomingSet in
            let replaces = D.statement(incoming, set: incomingSet).supersedes(D.statement(held, set: heldSet))
            return ["held": ["level": .string(held.rawValue), "set": .number(heldSet)],
                    "incoming": ["level": .string(incoming.rawValue), "set": .number(incomingSet)], "replaces": .bool(replaces)]
        }
        supersession.append(["held": nil, "incoming": ["level": "everyone", "set": 5], "replaces": .bool(D.statement(.everyone, set: 5).supersedes(nil))])

        // MARK: the rule

        let choices: [Visibility?] = [nil] + levels
        var audience: [JSONVectorValue] = []
        for x in choices {
            for y in choices {
                audience.append(["a": x.map { .string($0.rawValue) } ?? .null, "b": y.map { .string($0.rawValue) } ?? .null,
                                 "audience": .string(DisclosureRule.audience(x, y).rawValue)])
            }
        }
        var allowed: [JSONVectorValue] = []
        for level in levels {
            for knowsA in [false, true] {
                for knowsB in [false, true] {
                    allowed.append(["audience": .string(level.rawValue), "connected_to_a": .bool(knowsA), "connected_to_b": .bool(knowsB),
                                    "allowed": .bool(DisclosureRule.allows(level, observerConnectedToA: knowsA, toB: knowsB))])
                }
            }
        }
        var include: [JSONVectorValue] = []
        for level in levels {
            for channel in [DisclosureAnswer.Channel.shown, .intersection] {
                for peerIsAsker in [false, true] {
                    for askerIsConnection in [false, true] {
                        include.append(["audience": .string(level.rawValue), "channel": .string(channel == .shown ? "shown" : "intersection"),
                                        "peer_is_asker": .bool(peerIsAsker), "asker_is_connection": .bool(askerIsConnection),
                                        "include": .bool(DisclosureAnswer.include(audience: level, peerIsAsker: peerIsAsker,
                                                                                  askerIsConnection: askerIsConnection, channel: channel))])
                    }
                }
            }
        }

        // MARK: bodies

        let id32 = CBORValue.bytes(connection.id), zero32 = CBORValue.bytes(ConnectionsQueryBody.first)
        let point = D.filled(9), query16 = CBORValue.bytes([UInt8](repeating: 0x51, count: 16))
        func points(_ n: Int) -> CBORValue { .bytes([UInt8](repeating: 9, count: 32 * n)) }
        let bodyCases: [(String, WireMessageType, CBORValue, String)] = [
            ("visibility: the statement and the token", .visibility, .map(["document": .bytes(good), "token": .bytes(D.filled(0x70))]), "ok"),
            ("visibility: a token of 31 bytes", .visibility, .map(["document": .bytes(good), "token": .bytes(Array(D.filled(0x70).dropLast()))]),
             "invalid-body"),
            ("visibility: no token", .visibility, .map(["document": .bytes(good)]), "invalid-body"),
            ("visibility: the token as text", .visibility, .map(["document": .bytes(good), "token": .text("secret")]), "invalid-body"),
            ("visibility: an extra key (the level beside the document)", .visibility,
             .map(["document": .bytes(good), "token": .bytes(D.filled(0x70)), "level": .text("everyone")]), "invalid-body"),
            ("connections-query: the first page", .connectionsQuery, .map(["after": zero32]), "ok"),
            ("connections-query: after a connection id", .connectionsQuery, .map(["after": id32]), "ok"),
            ("connections-query: after 16 bytes", .connectionsQuery, .map(["after": .bytes([UInt8](repeating: 0, count: 16))]), "invalid-body"),
            ("connections-query: the empty map (after is required)", .connectionsQuery, .map([:]), "invalid-body"),
            ("connections-query: a limit asked for", .connectionsQuery, .map(["after": zero32, "limit": .unsigned(10)]), "invalid-body"),
            ("connections-answer: two records, more", .connectionsAnswer,
             .map(["records": .array([.bytes(connection.record.encoded), .bytes(other.record.encoded)]), "more": .bool(true)]), "ok"),
            ("connections-answer: nothing (a refusal reads the same)", .connectionsAnswer, .map(["records": .array([]), "more": .bool(false)]), "ok"),
            ("connections-answer: 256 records", .connectionsAnswer,
             .map(["records": .array(Array(repeating: .bytes([0x80]), count: 256)), "more": .bool(false)]), "ok"),
            ("connections-answer: 257 records", .connectionsAnswer,
             .map(["records": .array(Array(repeating: .bytes([0x80]), count: 257)), "more": .bool(false)]), "invalid-body"),
            ("connections-answer: a record as text", .connectionsAnswer, .map(["records": .array([.text("a record")]), "more": .bool(false)]),
             "invalid-body"),
            ("connections-answer: more as 0", .connectionsAnswer, .map(["records": .array([]), "more": .unsigned(0)]), "invalid-body"),
            ("connections-answer: a count beside the records", .connectionsAnswer,
             .map(["records": .array([]), "more": .bool(false), "count": .unsigned(500)]), "invalid-body"),
            ("introducer-query: a target", .introducerQuery, .map(["target": .bytes(D.b.rawRepresentation)]), "ok"),
            ("introducer-query: a target that is a small-order point", .introducerQuery, .map(["target": .bytes(FixedKeys.identityPoint)]),
             "invalid-body"),
            ("introducer-query: a target not canonically encoded", .introducerQuery, .map(["target": .bytes(FixedKeys.nonCanonicalY)]),
             "invalid-body"),
            ("introducer-query: the target as a node ID string", .introducerQuery, .map(["target": .text(D.b.description)]), "invalid-body"),
            ("introducer-answer: a record", .introducerAnswer, .map(["record": .bytes(connection.record.encoded)]), "ok"),
            ("introducer-answer: no record (no connection, or not for the asker to know)", .introducerAnswer, .map([:]), "ok"),
            ("introducer-answer: the record as false", .introducerAnswer, .map(["record": .bool(false)]), "invalid-body"),
            ("introducer-answer: a yes instead of the record", .introducerAnswer, .map(["known": .bool(true)]), "invalid-body"),
            ("mutual-query: page 0 with two elements", .mutualQuery, .map(["query": query16, "page": .unsigned(0), "elements": points(2)]), "ok"),
            ("mutual-query: page 15 with no elements", .mutualQuery, .map(["query": query16, "page": .unsigned(15), "elements": .bytes([])]), "ok"),
            ("mutual-query: 4000 elements", .mutualQuery, .map(["query": query16, "page": .unsigned(0), "elements": points(4000)]), "ok"),
            ("mutual-query: 4001 elements", .mutualQuery, .map(["query": query16, "page": .unsigned(0), "elements": points(4001)]), "invalid-body"),
            ("mutual-query: page 16", .mutualQuery, .map(["query": query16, "page": .unsigned(16), "elements": points(1)]), "invalid-body"),
            ("mutual-query: elements of 33 bytes", .mutualQuery,
             .map(["query": query16, "page": .unsigned(0), "elements": .bytes(point + [0])]), "invalid-body"),
            ("mutual-query: a query id of 32 bytes", .mutualQuery, .map(["query": .bytes(point), "page": .unsigned(0), "elements": points(1)]),
             "invalid-body"),
            ("mutual-query: elements as an array of points", .mutualQuery,
             .map(["query": query16, "page": .unsigned(0), "elements": .array([.bytes(point)])]), "invalid-body"),
            ("mutual-answer: elements, set, more", .mutualAnswer, .map(["elements": points(2), "set": points(3), "more": .bool(true)]), "ok"),
            ("mutual-answer: nothing at all", .mutualAnswer, .map(["elements": .bytes([]), "set": .bytes([]), "more": .bool(false)]), "ok"),
            ("mutual-answer: a set of 4001 elements", .mutualAnswer,
             .map(["elements": points(1), "set": points(4001), "more": .bool(false)]), "invalid-body"),
            ("mutual-answer: a set of 31 bytes", .mutualAnswer,
             .map(["elements": points(1), "set": .bytes(Array(point.dropLast())), "more": .bool(false)]), "invalid-body"),
            ("mutual-answer: no more", .mutualAnswer, .map(["elements": points(1), "set": points(1)]), "invalid-body"),
            ("mutual-answer: the intersection's size beside it", .mutualAnswer,
             .map(["elements": points(1), "set": points(1), "more": .bool(false), "size": .unsigned(1)]), "invalid-body"),
        ]
        let bodies: [JSONVectorValue] = bodyCases.map { what, type, body, intended in
            let actual = (try? MessageBody(type: type, body: body)) == nil ? "invalid-body" : "ok"
            #expect(actual == intended, "body \"\(what)\": gives \(actual)")
            return ["description": .string(what), "type": .string(type.rawValue), "body_hex": hexValue(body.encoded), "result": .string(intended)]
        }
        let disclosureTypes: Set<WireMessageType> = [.visibility, .connectionsQuery, .connectionsAnswer, .introducerQuery, .introducerAnswer,
                                                     .mutualQuery, .mutualAnswer]
        #expect(Set(bodyCases.map(\.1)) == disclosureTypes, "a body vector for every type")
        func kindName(_ kind: WireMessageType.Kind) -> String {
            switch kind {
            case .request: "request"
            case .query: "query"
            case .reply: "reply"
            case .delivery: "delivery"
            }
        }
        let kinds: JSONVectorValue = .object(Dictionary(uniqueKeysWithValues: disclosureTypes.map { ($0.rawValue, .string(kindName($0.kind))) }))

        return [
            "description": .string("""
                Disclosure of connections (Protocol/disclosure.md). keys: RFC 8032 seeds; a and b are the two sides of the \
                connection whose record is record_hex (its id is SHA-256 of it). statements.valid: the vouch.visibility payload \
                {connection, level, set} encodes to payload_hex; signed by keys[signer] it is envelope_hex; it verifies and checks \
                against the record (§3.2). statements.invalid: envelope_hex read and checked against record_hex gives error. \
                supersession: whether the incoming statement of one side replaces the held one (§3.3). rule.audience: the \
                audience of two choices (null: no statement known). rule.allowed: whether an observer connected to a and/or b may \
                learn of a connection with that audience (§2). answers.include: whether an answer includes a connection (§5.1; channel shown: connections-answer and introducer-answer, intersection: the set of mutual-answer). \
                bodies: the seven message bodies read by §4–§6: ok or invalid-body. kinds: each type's kind (transport.md §5). \
                psi: the private set intersection (§6): elements of peers with tokens, the answering key from secret, asker and query, blinding by scalar_a then scalar_b (commuting, curve and twist points), small-order points refused, and one intersection: the asker holds the tokens of asker_peers, the answering node includes answering_peers (indexes into elements); query_elements, answer_elements and answer_set (sorted) are as §6.4 gives them and common is what the asker finds.
                """),
            "keys": .object(keys),
            "connection": ["record_hex": hexValue(connection.record.encoded), "id": hexValue(connection.id)],
            "levels": .array(levels.map { .string($0.rawValue) }),
            "statements": ["valid": .array(validStatements), "invalid": .array(invalidStatements)],
            "supersession": .array(supersession),
            "rule": ["audience": .array(audience), "allowed": .array(allowed)],
            "answers": ["include": .array(include)],
            "bodies": .array(bodies),
            "kinds": kinds,
            "psi": try disclosurePSI(),
        ]
    }

    /// §6 from fixed inputs: elements, the answering key, blinding (curve and twist points, and
    /// refusals), and one small intersection computed by the asker and checked both ways.
    static func disclosurePSI() throws -> JSONVectorValue {
        let peers = [FixedKeys.seed1, FixedKeys.seed2, FixedKeys.seed3, IntroductionFixtures.strangerSeed].map { NodeID(publicKey: FixedKeys.key($0).publicKey) }
        let tokens = (0..<peers.count).map { D.filled(UInt8(0x40 + $0)) }
        let elements: [JSONVectorValue] = zip(peers, tokens).map { peer, token in
            ["peer": hexValue(peer.rawRepresentation), "token": hexValue(token), "element": hexValue(MutualSet.element(peer: peer, token: token))]
        }
        let secret = D.filled(0x5e), query = [UInt8](repeating: 0x51, count: 16)
        let answering = try MutualSet.answeringKey(secret: secret, asker: D.a, query: query)
        let answeringKey: JSONVectorValue = ["secret": hexValue(secret), "asker": hexValue(D.a.rawRepresentation), "query": hexValue(query),
                                             "scalar": hexValue(try answering.rawRepresentation)]
        let scalarA = D.filled(0x21), scalarB = try answering.rawRepresentation
        let blindInputs: [(String, [UInt8])] = [
            ("an element", MutualSet.element(peer: peers[0], token: tokens[0])),
            ("the base point 9", [9] + [UInt8](repeating: 0, count: 31)),
            ("u = 2, a point of the twist", D.twistPoint),
            ("an element with the top bit set (ignored, RFC 7748)", { var e = MutualSet.element(peer: peers[1], token: tokens[1]); e[31] |= 0x80; return e }()),
        ]
        let blind: [JSONVectorValue] = try blindInputs.map { what, point in
            let once = try MutualSet.blind(point, with: D.scalar(scalarA))
            let ab = try MutualSet.blind(once, with: D.scalar(scalarB))
            let ba = try MutualSet.blind(try MutualSet.blind(point, with: D.scalar(scalarB)), with: D.scalar(scalarA))
            #expect(ab == ba, "X25519 commutes for \(what)")
            return ["description": .string(what), "point": hexValue(point), "scalar_a": hexValue(scalarA), "scalar_b": hexValue(scalarB),
                    "blinded_a": hexValue(once), "blinded_ab": hexValue(ab)]
        }
        let refused: [JSONVectorValue] = D.smallOrderPoints.map { point in
            ["point": hexValue(point), "scalar": hexValue(scalarA),
             "error": checked("invalid-value", "small-order point \(Hex.encode(point))") { _ = try MutualSet.blind(point, with: D.scalar(scalarA)) }]
        }

        // The asker (a) holds tokens of peers 0, 1, 3; the answering node (b) includes peers 1, 2, 3.
        let askerPeers = [0, 1, 3], answerPeers = [1, 2, 3]
        let keyA = D.scalar(scalarA), keyB = answering
        let sent = try askerPeers.map { try MutualSet.blind(MutualSet.element(peer: peers[$0], token: tokens[$0]), with: keyA) }
        let echoed = try sent.map { try MutualSet.blind($0, with: keyB) }
        let set = try answerPeers.map { try MutualSet.blind(MutualSet.element(peer: peers[$0], token: tokens[$0]), with: keyB) }
            .sorted { $0.lexicographicallyPrecedes($1) }
        let reblinded = try set.map { try MutualSet.blind($0, with: keyA) }
        let common = MutualSet.common(twice: echoed, theirs: reblinded).map { askerPeers[$0] }
        #expect(common == [1, 3], "the intersection of the fixed sets")
        let intersection: JSONVectorValue = [
            "asker_scalar": hexValue(scalarA), "answering_scalar": hexValue(scalarB),
            "asker_peers": .array(askerPeers.map { .number(UInt64($0)) }), "answering_peers": .array(answerPeers.map { .number(UInt64($0)) }),
            "query_elements": .array(sent.map(hexValue)), "answer_elements": .array(echoed.map(hexValue)), "answer_set": .array(set.map(hexValue)),
            "common": .array(common.map { .number(UInt64($0)) }),
        ]
        return ["elements": .array(elements), "answering_key": answeringKey, "blind": .array(blind), "refused": .array(refused),
                "intersection": intersection, "page_elements": .number(UInt64(MutualQueryBody.maximumElements)),
                "pages": .number(MutualQueryBody.maximumPages)]
    }
}
